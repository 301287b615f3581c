using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Herd.Node.Providers;
using Herd.Tests.Fixtures;

namespace Herd.Tests.Node.Providers;

/// <summary>A provider node's settings are checked at start, each problem named with the key to fix.</summary>
public sealed class ProviderOptionsTests
{
    private static readonly ProviderOptions Valid = new()
    {
        BaseUrl = new Uri("https://api.example.com/v1"),
        ApiKey = "sk-test",
        Models = new Dictionary<string, string> { ["remote"] = "gpt-small" },
    };

    [Fact]
    public void Valid_Passes() => Assert.Empty(Problems(Valid));

    [Theory]
    [InlineData("ftp://api.example.com/v1", "must be an absolute http or https URL")]
    [InlineData("/v1", "must be an absolute http or https URL")]
    public void BaseUrl_NotAnAbsoluteHttpUrl_IsRefused(string url, string expected) =>
        Assert.Contains(Problems(Valid with { BaseUrl = new Uri(url, UriKind.RelativeOrAbsolute) }), problem => problem.Contains(expected, StringComparison.Ordinal));

    [Fact]
    public void NoModels_IsRefused() =>
        Assert.Contains(Problems(Valid with { Models = new Dictionary<string, string>() }), problem => problem.Contains("Herd:Node:Provider:Models must map at least one", StringComparison.Ordinal));

    [Theory]
    [InlineData(0)]
    [InlineData(1025)]
    public void Concurrency_OutOfRange_IsRefused(int concurrency) =>
        Assert.Contains(Problems(Valid with { Concurrency = concurrency }), problem => problem.Contains("Herd:Node:Provider:Concurrency must be between 1 and 1024", StringComparison.Ordinal));

    [Fact]
    public void ApiKeyVariable_NotSet_IsRefused() =>
        Assert.Contains(Problems(Valid with { ApiKeyVariable = "HERD_TEST_NO_SUCH_VARIABLE" }), problem => problem.Contains("the environment variable HERD_TEST_NO_SUCH_VARIABLE, which is not set", StringComparison.Ordinal));

    [Fact]
    public void ContextLengths_OfAModelNotMapped_IsRefused() =>
        Assert.Contains(Problems(Valid with { ContextLengths = new Dictionary<string, int> { ["other"] = 4096 } }), problem => problem.Contains("ContextLengths:other", StringComparison.Ordinal));

    [Fact]
    public void ApiKey_FromItsVariable_WinsOverTheSetting()
    {
        var variable = "HERD_TEST_PROVIDER_KEY_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, "sk-from-variable");
        try
        {
            Assert.Equal("sk-from-variable", (Valid with { ApiKeyVariable = variable }).ResolveApiKey());
            Assert.Equal("sk-test", Valid.ResolveApiKey());
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public async Task Node_WithABadProviderSetting_RefusesToStartAndSaysWhy()
    {
        await using var node = HerdService.Start("Herd.Node",
            [string.Create(CultureInfo.InvariantCulture, $"--Kestrel:Endpoints:Http:Url=http://127.0.0.1:{FreePort.Next()}")],
            new Dictionary<string, string> { ["Herd__Node__Provider__BaseUrl"] = "ftp://api.example.com/v1", ["Herd__Node__Provider__Concurrency"] = "0" });

        var exitCode = await node.WaitForExitAsync(HerdService.StartTimeout);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Herd:Node:Provider:BaseUrl must be an absolute http or https URL", node.Output, StringComparison.Ordinal);
        Assert.Contains("Herd:Node:Provider:Models must map at least one", node.Output, StringComparison.Ordinal);
        Assert.Contains("Herd:Node:Provider:Concurrency must be between 1 and 1024", node.Output, StringComparison.Ordinal);
    }

    private static List<string> Problems(ProviderOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        var rest = new ProviderOptionsValidation().Validate(null, options);
        return [.. results.Select(result => result.ErrorMessage ?? ""), .. rest.Failed ? rest.Failures : []];
    }
}
