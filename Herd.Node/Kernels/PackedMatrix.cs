using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Node.Kernels;

/// <summary>
/// A linear layer's weight in the panel layout <see cref="NativeKernels"/> reads, and the product
/// by it. Panel <c>p</c> holds output features <c>[p·w, p·w + w)</c> as <c>[in, w]</c>, so a
/// product streams each panel once, front to back.
/// </summary>
public static class PackedMatrix
{
    /// <summary>True when a weight of this type and device can be packed.</summary>
    public static bool CanPack(Tensor weight)
    {
        ArgumentNullException.ThrowIfNull(weight);
        return NativeKernels.IsAvailable && weight.dim() == 2 && weight.dtype == ScalarType.Float32 && weight.device.type == DeviceType.CPU;
    }

    /// <param name="weight">[out, in]</param>
    /// <returns>[panels, in, panel width], zero past the last output feature</returns>
    public static Tensor Pack(Tensor weight)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (!CanPack(weight))
        {
            throw new ArgumentException($"Only 2-D float32 CPU weights can be packed ({NativeKernels.UnavailableReason ?? "this one is not"}).", nameof(weight));
        }

        using var scope = NewDisposeScope();
        var width = NativeKernels.PanelWidth;
        var (outFeatures, inFeatures) = (weight.shape[0], weight.shape[1]);
        var panels = (outFeatures + width - 1) / width;
        // Only a partial last panel needs padding (and the copy that comes with it).
        var padded = outFeatures % width == 0 ? weight : nn.functional.pad(weight, [0, 0, 0, panels * width - outFeatures]);
        return padded.reshape(panels, width, inFeatures).transpose(1, 2).contiguous().MoveToOuterDisposeScope();
    }

    /// <param name="input">[..., in], float32 on the CPU</param>
    /// <param name="packed">from <see cref="Pack"/></param>
    /// <param name="outFeatures">the weight's out features (the packed matrix is padded)</param>
    /// <param name="bias">[out], or null</param>
    /// <returns>[..., out]</returns>
    public static Tensor Multiply(Tensor input, Tensor packed, long outFeatures, Tensor? bias) =>
        Product(input, packed, outFeatures, bias, instructions: null)!;

    /// <summary>As <see cref="Multiply"/>, on the given instructions whatever the products use (to compare the kernels); null when the CPU lacks them.</summary>
    public static Tensor? MultiplyWith(KernelInstructions instructions, Tensor input, Tensor packed, long outFeatures, Tensor? bias) =>
        Product(input, packed, outFeatures, bias, instructions);

    /// <param name="instructions">the kernel to run; null for the one the products use</param>
    private static Tensor? Product(Tensor input, Tensor packed, long outFeatures, Tensor? bias, KernelInstructions? instructions)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(packed);
        var inFeatures = packed.shape[1];
        if (input.shape[^1] != inFeatures || input.dtype != ScalarType.Float32 || input.device.type != DeviceType.CPU)
        {
            throw new ArgumentException($"Expected float32 CPU input with {inFeatures} features, got {input.dtype} {input.device} [{string.Join(", ", input.shape)}].", nameof(input));
        }

        if (bias is not null && (bias.dtype != ScalarType.Float32 || bias.numel() != outFeatures))
        {
            throw new ArgumentException($"Expected a float32 bias of {outFeatures} features, got {bias.dtype} [{string.Join(", ", bias.shape)}].", nameof(bias));
        }

        var rows = input.numel() / inFeatures;
        var outputShape = input.shape.ToArray();
        outputShape[^1] = outFeatures;
        var output = empty(outputShape, ScalarType.Float32);
        if (rows == 0)
        {
            return output;
        }

        using var contiguousInput = input.contiguous();
        using var contiguousBias = bias?.contiguous();
        var (x, weights, b, y) = (TensorMemory.DataPointer(contiguousInput), TensorMemory.DataPointer(packed),
            contiguousBias is null ? IntPtr.Zero : TensorMemory.DataPointer(contiguousBias), TensorMemory.DataPointer(output));
        var computed = true;
        if (instructions is { } chosen)
        {
            computed = NativeKernels.MultiplyWith(chosen, x, rows, inFeatures, weights, outFeatures, b, y);
        }
        else
        {
            NativeKernels.Multiply(x, rows, inFeatures, weights, outFeatures, b, y);
        }

        GC.KeepAlive(input);
        if (!computed)
        {
            output.Dispose();
            return null;
        }

        return output;
    }
}
