using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Herd.Node.Kernels;

/// <summary>Where a tensor's elements are, for the native kernels that read and write them.</summary>
internal static partial class TensorMemory
{
    /// <summary>The address of the tensor's first element; valid while the tensor lives.</summary>
    // TorchSharp exposes no data pointer; its native shim's own accessor gives it.
    public static IntPtr DataPointer(Tensor tensor) => THSTensor_data(tensor.Handle);

    [LibraryImport("LibTorchSharp")]
    private static partial IntPtr THSTensor_data(IntPtr handle);
}
