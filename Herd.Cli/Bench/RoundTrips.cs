using System.Diagnostics;
using Grpc.Health.V1;

namespace Herd.Cli.Bench;

/// <summary>
/// The floor under any added time to first token: the gateway path has two round trips the direct
/// path does not (client and gateway, gateway and node), so bare round trips into the gateway
/// (gRPC's standard health check) and into the node (HTTP/1.1 <c>GET /alive</c> on one kept-alive
/// connection) are timed, back to back and after the idle gap the streams have between tokens.
/// </summary>
internal static class RoundTrips
{
    public const int Count = 100;

    public static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(20);

    /// <summary>Median round trips to the gateway, back to back and after <see cref="Idle"/>.</summary>
    public static Task<(double BackToBackMs, double AfterIdleMs)> GatewayAsync(Health.HealthClient health, CancellationToken cancellationToken) =>
        MedianAsync(async () => await health.CheckAsync(new HealthCheckRequest(), cancellationToken: cancellationToken), cancellationToken);

    /// <summary>Median round trips to the node's liveness check, back to back and after <see cref="Idle"/>.</summary>
    public static async Task<(double BackToBackMs, double AfterIdleMs)> NodeAsync(Uri node, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10) }) { BaseAddress = node };
        async Task AliveAsync()
        {
            using var response = await http.GetAsync(new Uri("alive", UriKind.Relative), cancellationToken);
            response.EnsureSuccessStatusCode();
        }

        // The connection is opened here, not in the first timed round trip.
        await AliveAsync();
        return await MedianAsync(AliveAsync, cancellationToken);
    }

    private static async Task<(double BackToBackMs, double AfterIdleMs)> MedianAsync(Func<Task> roundTrip, CancellationToken cancellationToken)
    {
        async Task<double> TimedAsync(TimeSpan idle)
        {
            var times = new List<double>();
            for (var i = 0; i < Count; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await roundTrip();
                times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (idle > TimeSpan.Zero)
                {
                    await Task.Delay(idle, cancellationToken);
                }
            }

            return BenchClient.Median(times);
        }

        return (await TimedAsync(TimeSpan.Zero), await TimedAsync(Idle));
    }
}
