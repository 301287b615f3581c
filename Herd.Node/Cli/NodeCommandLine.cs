using System.CommandLine;
using Herd.Node.Adapters;
using Herd.Node.Engine;
using Herd.Node.Experts;
using Herd.Node.Model;

namespace Herd.Node.Cli;

/// <summary>The node's commands for people, tests and benchmarks: <c>generate</c>, <c>bench</c>, <c>stream-bench</c>, <c>finetune</c> and <c>centroids</c>.</summary>
public static class NodeCommandLine
{
    private static readonly string[] Commands = ["generate", "bench", "stream-bench", "finetune", "centroids", "bench-experts"];

    /// <summary>True when the arguments name a command; otherwise the node runs as a service.</summary>
    public static bool Handles(string[] args) => args is [var first, ..] && Commands.Contains(first);

    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Herd node: serves Llama-family models; these commands run one locally.")
        {
            GenerateCommand.Create(),
            BenchCommand.Create(),
            StreamBenchCommand.Create(),
            FinetuneCommand.Create(),
            CentroidsCommand.Create(),
            ExpertsBenchCommand.Create(),
        };
        try
        {
            // Errors a person can act on are printed plainly below, not as stack traces.
            return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception error) when (error is ModelLoadException or InvalidRequestException or DirectoryNotFoundException or EngineUnavailableException or AdapterLoadException or AdapterUnavailableException or ExpertFileException)
        {
            await Console.Error.WriteLineAsync($"error: {error.Message}");
            return 2;
        }
    }
}
