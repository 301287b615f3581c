using System.Globalization;
using Herd.Tests.Fixtures;

namespace Herd.Tests.Cli;

/// <summary><c>herd complete</c>, run as a real process (<c>dotnet herd.dll</c>).</summary>
public sealed class CompleteCommandTests
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The usage line of the command's help, which comes with every complaint about its arguments.</summary>
    private const string Usage = "herd complete [options]";

    [Theory]
    [InlineData("Option '--gateway' is required.", "--key", "herd_k", "--prompt", "Hello")]
    [InlineData("Option '--key' is required.", "--gateway", "http://localhost:5200", "--prompt", "Hello")]
    [InlineData("Option '--prompt' is required.", "--gateway", "http://localhost:5200", "--key", "herd_k")]
    [InlineData("--gateway must be the gateway's gRPC URL, such as http://localhost:5200, not 'localhost:5200'.", "--gateway", "localhost:5200", "--key", "herd_k", "--prompt", "Hello")]
    [InlineData("--max-tokens must be a whole number above 0, not '0'.", "--gateway", "http://localhost:5200", "--key", "herd_k", "--prompt", "Hello", "--max-tokens", "0")]
    [InlineData("--max-tokens must be a whole number above 0, not 'lots'.", "--gateway", "http://localhost:5200", "--key", "herd_k", "--prompt", "Hello", "--max-tokens", "lots")]
    [InlineData("Required argument missing for option: '--max-tokens'.", "--gateway", "http://localhost:5200", "--key", "herd_k", "--prompt", "Hello", "--max-tokens")]
    [InlineData("Unrecognized command or argument '--temperature'", "--gateway", "http://localhost:5200", "--key", "herd_k", "--prompt", "Hello", "--temperature", "0")]
    public async Task Complete_BadArguments_ExitTwo_NamingTheOption_WithTheUsage_OnStandardError(string expected, params string[] arguments)
    {
        var run = await HerdAsync(["complete", .. arguments]);

        Assert.True(run.ExitCode == 2, run.Output);
        Assert.Contains(expected, run.Output, StringComparison.Ordinal);
        Assert.Contains(Usage, run.Output, StringComparison.Ordinal);
        Assert.Empty(run.StandardOutput);
    }

    [Fact]
    public async Task Complete_NoGatewayListening_ExitsOne_WithTheCallsStatus()
    {
        var port = FreePort.Next();

        var run = await HerdAsync(["complete", "--gateway", string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"), "--key", "herd_k", "--prompt", "Hello"]);

        Assert.True(run.ExitCode == 1, run.Output);
        Assert.Contains("Unavailable: ", run.Output, StringComparison.Ordinal);
        Assert.Empty(run.StandardOutput);
    }

    private static async Task<Run> HerdAsync(string[] arguments)
    {
        await using var herd = HerdService.Start("Herd.Cli", arguments, assemblyName: "herd");
        var exitCode = await herd.WaitForExitAsync(ExitTimeout);
        return new Run(exitCode, herd.Output, herd.StandardOutput);
    }

    private sealed record Run(int ExitCode, string Output, string StandardOutput);
}
