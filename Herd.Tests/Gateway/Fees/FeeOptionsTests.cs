using Herd.Gateway.Admission;
using Herd.Gateway.Admission.Fees;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Herd.Tests.Gateway.Fees;

/// <summary>The <c>Herd:Gateway:Fees</c> section as <see cref="AdmissionExtensions.AddFees"/> binds and checks it.</summary>
public sealed class FeeOptionsTests
{
    [Fact]
    public void Bind_Section_ReadsEverySetting()
    {
        var options = Bind(new Dictionary<string, string?>
        {
            ["Herd:Gateway:Fees:Currency"] = "EUR",
            ["Herd:Gateway:Fees:PriorityMultiplierPerLevel"] = "0.02",
            ["Herd:Gateway:Fees:Default:PerPromptToken"] = "0.000001",
            ["Herd:Gateway:Fees:Default:PerCompletionToken"] = "0.000002",
            ["Herd:Gateway:Fees:Default:PerRequest"] = "0.01",
            ["Herd:Gateway:Fees:Models:llama-3.1-8b:PerCompletionToken"] = "0.00003",
        });

        Assert.Equal(("EUR", 0.02m), (options.Currency, options.PriorityMultiplierPerLevel));
        Assert.Equal(new ModelPrice { PerPromptToken = 0.000001m, PerCompletionToken = 0.000002m, PerRequest = 0.01m }, options.Default);
        var (model, price) = Assert.Single(options.Models);
        Assert.Equal("llama-3.1-8b", model);
        Assert.Equal(new ModelPrice { PerCompletionToken = 0.00003m }, price);
    }

    [Fact]
    public void Bind_NothingConfigured_EverythingIsFree_InCredits()
    {
        var options = Bind([]);

        Assert.Equal(("credits", 0.01m), (options.Currency, options.PriorityMultiplierPerLevel));
        Assert.Equal(ModelPrice.Free, options.Default);
        Assert.Empty(options.Models);
    }

    [Theory]
    [InlineData("Herd:Gateway:Fees:Default:PerRequest", "-0.5")]
    [InlineData("Herd:Gateway:Fees:Default:PerPromptToken", "-1")]
    [InlineData("Herd:Gateway:Fees:Models:herd-tiny:PerCompletionToken", "-0.000001")]
    [InlineData("Herd:Gateway:Fees:Models:herd-tiny:PerPromptToken", "-2")]
    public void Bind_NegativePrice_FailsNamingTheKey(string key, string value)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind(new Dictionary<string, string?> { [key] = value }));

        Assert.Contains($"{key} is {value}; a price must be 0 or more.", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-0.01")]
    [InlineData("1.5")]
    public void Bind_MultiplierOutsideZeroToOne_FailsNamingTheKey(string value)
    {
        var error = Assert.Throws<OptionsValidationException>(
            () => Bind(new Dictionary<string, string?> { ["Herd:Gateway:Fees:PriorityMultiplierPerLevel"] = value }));

        Assert.Contains($"Herd:Gateway:Fees:PriorityMultiplierPerLevel is {value}; it must be between 0 and 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bind_MultiplierAtItsBounds_IsAccepted()
    {
        Assert.Equal(0m, Bind(new Dictionary<string, string?> { ["Herd:Gateway:Fees:PriorityMultiplierPerLevel"] = "0" }).PriorityMultiplierPerLevel);
        Assert.Equal(1m, Bind(new Dictionary<string, string?> { ["Herd:Gateway:Fees:PriorityMultiplierPerLevel"] = "1" }).PriorityMultiplierPerLevel);
    }

    [Fact]
    public void Bind_BlankCurrency_FailsNamingTheKey()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind(new Dictionary<string, string?> { ["Herd:Gateway:Fees:Currency"] = " " }));

        Assert.Contains("Herd:Gateway:Fees:Currency is empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bind_SeveralProblems_ReportsEachOne()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind(new Dictionary<string, string?>
        {
            ["Herd:Gateway:Fees:PriorityMultiplierPerLevel"] = "2",
            ["Herd:Gateway:Fees:Models:a:PerRequest"] = "-1",
            ["Herd:Gateway:Fees:Models:b:PerRequest"] = "-3",
        }));

        Assert.Equal(3, error.Failures.Count());
        Assert.Contains("Herd:Gateway:Fees:Models:a:PerRequest", error.Message, StringComparison.Ordinal);
        Assert.Contains("Herd:Gateway:Fees:Models:b:PerRequest", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_InvalidFees_StopsTheHostNamingTheKey()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Herd:Gateway:Fees:Models:herd-tiny:PerRequest"] = "-1" });
        builder.AddFees();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Herd:Gateway:Fees:Models:herd-tiny:PerRequest is -1", error.Message, StringComparison.Ordinal);
    }

    private static FeeOptions Bind(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddFees();
        using var services = builder.Services.BuildServiceProvider();
        return services.GetRequiredService<IOptions<FeeOptions>>().Value;
    }
}
