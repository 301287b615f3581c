using System.Diagnostics.Metrics;
using Herd.Gateway.Ledger.Outbox;
using Herd.Gateway.Telemetry;
using Herd.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herd.Tests.Gateway.Telemetry;

/// <summary>The gauges report what the background readers last read, never calling Redis themselves.</summary>
[Collection(WithServers.Name)]
public sealed class TelemetryGaugeTests(ServersFixture servers)
{
    [Fact]
    public async Task OutboxLag_IsTheNumberOfUnacknowledgedRecords_ReadFromRedis()
    {
        var prefix = $"lag-test-{Guid.NewGuid():N}:";
        await using var redis = await servers.Redis.ConnectAsync();
        await using var provider = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var telemetry = new GatewayTelemetry(provider.GetRequiredService<IMeterFactory>());
        var reader = new OutboxLagReader(new UsageOutbox(redis, prefix, NullLogger<UsageOutbox>.Instance), telemetry, NullLogger<OutboxLagReader>.Instance);
        for (var i = 0; i < 3; i++)
        {
            await redis.GetDatabase().StreamAddAsync(prefix + "ledger:outbox", "record", "{}");
        }

        var before = Observe(provider, "herd.gateway.ledger.outbox.lag");
        await reader.ReadAsync();
        var after = Observe(provider, "herd.gateway.ledger.outbox.lag");

        Assert.Empty(before);
        Assert.Equal([3L], after.Select(measurement => measurement.Value));
    }

    [Fact]
    public async Task QueueDepth_ReportsTheLastReading_ByModelAndPriority()
    {
        await using var provider = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var telemetry = new GatewayTelemetry(provider.GetRequiredService<IMeterFactory>());

        telemetry.SetQueueDepths([("m", 0, 4), ("m", 5, 1)]);
        var depths = Observe(provider, "herd.gateway.queue.depth");

        Assert.Equal(2, depths.Count);
        Assert.Contains(depths, d => d.Value == 4 && Equals(d.Tags[TelemetryTags.Model], "m") && Equals(d.Tags[TelemetryTags.Priority], 0));
        Assert.Contains(depths, d => d.Value == 1 && Equals(d.Tags[TelemetryTags.Priority], 5));
    }

    private sealed record Observed(long Value, IReadOnlyDictionary<string, object?> Tags);

    /// <summary>One collection of an observable gauge of the provider's gateway meter.</summary>
    private static List<Observed> Observe(IServiceProvider provider, string instrumentName)
    {
        var factory = provider.GetRequiredService<IMeterFactory>();
        var observed = new List<Observed>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == instrumentName && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var copied = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                copied[tag.Key] = tag.Value;
            }

            observed.Add(new Observed(value, copied));
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return observed;
    }
}
