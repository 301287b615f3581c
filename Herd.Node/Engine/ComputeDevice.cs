using Herd.Node.Kernels;
using TorchSharp;

namespace Herd.Node.Engine;

/// <summary>Where the node's tensors live, chosen once at start.</summary>
public sealed record ComputeDevice(torch.Device Device, int Threads)
{
    /// <summary>Picks the device asked for (<c>auto</c>, <c>cpu</c>, <c>cuda</c>) and applies the thread count (0 keeps libtorch's).</summary>
    /// <exception cref="EngineUnavailableException">CUDA was asked for and is not available.</exception>
    public static ComputeDevice Select(string device, int threads)
    {
        if (threads > 0)
        {
            torch.set_num_threads(threads);
        }

        var cudaAvailable = torch.cuda.is_available();
        var selected = device switch
        {
            "cpu" => torch.CPU,
            "cuda" when cudaAvailable => torch.CUDA,
            "cuda" => throw new EngineUnavailableException(
                "The device is 'cuda' but TorchSharp reports no CUDA device. Build with -p:HerdTorchBackend=cuda on a machine with an NVIDIA driver, or use auto or cpu."),
            "auto" => cudaAvailable ? torch.CUDA : torch.CPU,
            _ => throw new ArgumentException($"Unknown device '{device}': use auto, cpu or cuda.", nameof(device)),
        };

        var selectedThreads = torch.get_num_threads();
        NativeKernels.SetThreads(selectedThreads);
        return new ComputeDevice(selected, selectedThreads);
    }

    /// <summary>
    /// The dtype the engine computes in: <c>auto</c> is float32 on the CPU (where half precision
    /// is slower, not faster) and bfloat16 on a GPU.
    /// </summary>
    public torch.ScalarType DTypeFor(string dtype) => dtype switch
    {
        "float32" => torch.ScalarType.Float32,
        "bfloat16" => torch.ScalarType.BFloat16,
        "float16" => torch.ScalarType.Float16,
        "auto" => Device.type == DeviceType.CPU ? torch.ScalarType.Float32 : torch.ScalarType.BFloat16,
        _ => throw new ArgumentException($"Unknown dtype '{dtype}': use auto, float32, bfloat16 or float16.", nameof(dtype)),
    };

    public override string ToString() => Device.type == DeviceType.CPU ? $"cpu ({Threads} threads)" : Device.ToString();
}
