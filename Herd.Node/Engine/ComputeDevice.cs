using TorchSharp;

namespace Herd.Node.Engine;

/// <summary>Where the node's tensors live, chosen once at start.</summary>
public sealed record ComputeDevice(torch.Device Device, int Threads)
{
    /// <summary>Picks the device the options ask for and applies the thread count.</summary>
    /// <exception cref="InvalidOperationException">CUDA was asked for and is not available.</exception>
    public static ComputeDevice Select(NodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        if (options.Threads > 0)
        {
            torch.set_num_threads(options.Threads);
        }

        var cudaAvailable = torch.cuda.is_available();
        var device = options.Device switch
        {
            "cpu" => torch.CPU,
            "cuda" when cudaAvailable => torch.CUDA,
            "cuda" => throw new InvalidOperationException(
                "Herd:Node:Device is 'cuda' but TorchSharp reports no CUDA device. Build with -p:HerdTorchBackend=cuda on a machine with an NVIDIA driver, or set the device to auto or cpu."),
            _ => cudaAvailable ? torch.CUDA : torch.CPU,
        };

        return new ComputeDevice(device, torch.get_num_threads());
    }

    public override string ToString() => Device.type == DeviceType.CPU ? $"cpu ({Threads} threads)" : Device.ToString();
}
