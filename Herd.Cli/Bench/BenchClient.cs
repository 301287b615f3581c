using Grpc.Core;
using Herd.Contracts.V1;

namespace Herd.Cli.Bench;

/// <summary>What the benchmarks share as clients of a gateway.</summary>
internal static class BenchClient
{
    private static readonly TimeSpan NodeWait = TimeSpan.FromMinutes(2);

    /// <summary>Waits until a node serving some model is linked to the gateway.</summary>
    /// <param name="headers">The call's metadata: the API key when the gateway checks keys.</param>
    public static async Task WaitForNodeAsync(Catalog.CatalogClient catalog, Metadata? headers, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + NodeWait;
        while ((await catalog.ListModelsAsync(new ListModelsRequest(), headers ?? [], cancellationToken: cancellationToken)).Models.All(model => model.Nodes == 0))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No node linked to the gateway within {NodeWait.TotalMinutes:0} minutes.");
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    /// <summary>The value <paramref name="fraction"/> of the way up the sorted values (0.9 for the 90th percentile).</summary>
    public static double Percentile(IEnumerable<double> values, double fraction)
    {
        var sorted = values.Order().ToList();
        return sorted[(int)(fraction * (sorted.Count - 1))];
    }
}
