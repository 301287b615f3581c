using System.CommandLine;
using Grpc.Core;
using Herd.Cli.Bench;

namespace Herd.Cli.Commands;

/// <summary>
/// <c>bench-gateway</c> and <c>bench-access</c>: each starts a herd of its own from the app host's
/// app model, measures it, prints a Markdown table and stops it (see docs/benchmarks.md). Exit
/// code 0 when it measured, 1 when the herd did not come up or a measurement failed. The
/// benchmarks' code, and Aspire's with it, loads only when one runs, so <c>complete</c> starts as
/// fast without them.
/// </summary>
internal static class BenchCommand
{
    public const string Gateway = "bench-gateway";
    public const string Access = "bench-access";

    public static Command CreateGateway()
    {
        var hops = new Option<bool>("--hops")
        {
            Description = "then time each hop of the first token's path (the gateway and the node mark them), over 30 requests one after another",
        };
        return Create(
            Gateway,
            "Measure what the gateway costs: streamed tokens/s and time to first token through a gateway, against a node engine driven directly, and the bare round trips into the gateway and the node under them.",
            [hops],
            (parsed, output, cancellationToken) => GatewayBenchmark.RunAsync(parsed.GetValue(hops), output, cancellationToken));
    }

    public static Command CreateAccess() => Create(
        Access,
        "Measure what access control costs: requests/s and latency through a gateway with keys, limits, fees and the ledger, against one without.",
        [],
        (_, output, cancellationToken) => AccessBenchmark.RunAsync(output, cancellationToken));

    private static Command Create(string name, string description, IReadOnlyList<Option> options, Func<ParseResult, TextWriter, CancellationToken, Task<int>> measure)
    {
        var command = new Command(name, description);
        foreach (var option in options)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parsed, cancellationToken) =>
        {
            try
            {
                return await measure(parsed, parsed.InvocationConfiguration.Output, cancellationToken);
            }
            catch (Exception exception) when (exception is TimeoutException or FileNotFoundException or RpcException or InvalidOperationException)
            {
                // What went wrong in a sentence: a herd that did not come up, a node not built, a failed path.
                await parsed.InvocationConfiguration.Error.WriteLineAsync($"{name} failed: {exception.Message}");
                return 1;
            }
        });
        return command;
    }
}
