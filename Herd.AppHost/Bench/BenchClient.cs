using Grpc.Core;
using Herd.Contracts.V1;

namespace Herd.AppHost.Bench;

/// <summary>What the benchmarks share as clients of a gateway.</summary>
internal static class BenchClient
{
    /// <summary>Waits until a node serving some model is linked to the gateway.</summary>
    /// <param name="headers">The call's metadata: the API key when the gateway checks keys.</param>
    public static async Task WaitForNodeAsync(Catalog.CatalogClient catalog, Metadata? headers = null)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while ((await catalog.ListModelsAsync(new ListModelsRequest(), headers ?? [])).Models.All(model => model.Nodes == 0))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("No node linked to the gateway within 2 minutes.");
            }

            await Task.Delay(200);
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
