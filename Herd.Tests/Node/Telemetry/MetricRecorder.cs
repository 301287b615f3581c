using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Herd.Tests.Node.Telemetry;

/// <summary>
/// A meter factory of the test's own and a listener to the instruments made from it alone, so
/// tests running side by side never see each other's measurements.
/// </summary>
internal sealed class MetricRecorder : IDisposable
{
    private readonly ServiceProvider _services;
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, double Value)> _measurements = new();
    private readonly ConcurrentDictionary<string, Instrument> _instruments = new();

    public MetricRecorder()
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        Meters = _services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == Meters)
            {
                _instruments[instrument.Name] = instrument;
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => _measurements.Enqueue((instrument.Name, value)));
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => _measurements.Enqueue((instrument.Name, value)));
        _listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => _measurements.Enqueue((instrument.Name, value)));
        _listener.Start();
    }

    public IMeterFactory Meters { get; }

    public IReadOnlyCollection<string> InstrumentNames => [.. _instruments.Keys];

    /// <summary>Every value recorded so far by counters and histograms, and by gauges at each <see cref="Observe"/>.</summary>
    public IReadOnlyList<double> Values(string instrument) => [.. _measurements.Where(m => m.Instrument == instrument).Select(m => m.Value)];

    /// <summary>Reads every observable gauge now and returns what <paramref name="instrument"/> reported.</summary>
    public double Observe(string instrument)
    {
        var before = Values(instrument).Count;
        _listener.RecordObservableInstruments();
        return Assert.Single(Values(instrument).Skip(before));
    }

    public void Dispose()
    {
        _listener.Dispose();
        _services.Dispose();
    }
}
