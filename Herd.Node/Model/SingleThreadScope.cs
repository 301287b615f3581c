using TorchSharp;

namespace Herd.Node.Model;

/// <summary>
/// Runs libtorch's CPU operations on the calling thread alone until disposed, then restores the
/// thread count. Small operations (a decode step of one or two sequences, an adapter's low-rank
/// products) finish sooner alone than handed to a second thread: from the engine's thread each
/// hand-over costs tens of microseconds, several times the work.
/// </summary>
public readonly struct SingleThreadScope : IDisposable
{
    private readonly int _threads;

    private SingleThreadScope(int threads) => _threads = threads;

    /// <summary>Drops to one thread when <paramref name="device"/> is the CPU and libtorch uses more; otherwise changes nothing.</summary>
    public static SingleThreadScope Enter(torch.Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var threads = device.type == DeviceType.CPU ? torch.get_num_threads() : 1;
        if (threads > 1)
        {
            torch.set_num_threads(1);
        }

        return new SingleThreadScope(threads);
    }

    public void Dispose()
    {
        if (_threads > 1)
        {
            torch.set_num_threads(_threads);
        }
    }
}
