using Herd.Node.Model.Lora;

namespace Herd.Node.Adapters;

/// <summary>A sequence's hold on a resident adapter: while it lasts, the adapter stays in memory.</summary>
public sealed class AdapterLease(LowRankAdapter adapter, Action release) : IDisposable
{
    private int _released;

    public LowRankAdapter Adapter { get; } = adapter;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            release();
        }
    }
}
