using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Node.Kernels;

/// <summary>
/// A linear layer's weight in the panel layout <see cref="NativeKernels"/> reads, and the product
/// by it. Panel <c>p</c> holds output features <c>[p·w, p·w + w)</c> as <c>[in, w]</c>, so a
/// product streams each panel once, front to back. The weights are float32, bfloat16 or int8
/// with per-block scales (<see cref="PackedFormat"/>); the tensor's dtype says which.
/// </summary>
public static class PackedMatrix
{
    /// <summary>Inputs per int8 block: an <see cref="PackedFormat.Q8"/> matrix's inputs are a multiple of it.</summary>
    public const int Int8BlockRows = 32;

    /// <summary>True when a weight of this type and device can be packed in <paramref name="format"/>.</summary>
    public static bool CanPack(Tensor weight, PackedFormat format = PackedFormat.F32)
    {
        ArgumentNullException.ThrowIfNull(weight);
        return NativeKernels.IsAvailable && weight.dim() == 2 && weight.dtype == ScalarType.Float32 && weight.device.type == DeviceType.CPU
            && (format != PackedFormat.Q8 || weight.shape[1] % Int8BlockRows == 0);
    }

    /// <param name="weight">[out, in] float32</param>
    /// <param name="error">the rounding error of the format (zero for float32)</param>
    /// <returns>
    /// float32 or bfloat16 <c>[panels, in, panel width]</c>, zero past the last output feature;
    /// int8: <c>[panels, in / 32, block bytes]</c> bytes, each block its scales then its values
    /// </returns>
    public static Tensor Pack(Tensor weight, PackedFormat format, out WeightError error)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (!CanPack(weight, format))
        {
            throw new ArgumentException(
                $"Only 2-D float32 CPU weights can be packed, with inputs a multiple of {Int8BlockRows} for int8 ({NativeKernels.UnavailableReason ?? $"this one is {weight.dtype} [{string.Join(", ", weight.shape)}] on {weight.device}"}).",
                nameof(weight));
        }

        using var scope = NewDisposeScope();
        var width = NativeKernels.PanelWidth;
        var (outFeatures, inFeatures) = (weight.shape[0], weight.shape[1]);
        var panelCount = (outFeatures + width - 1) / width;
        // Only a partial last panel needs padding (and the copy that comes with it).
        var padded = outFeatures % width == 0 ? weight : nn.functional.pad(weight, [0, 0, 0, panelCount * width - outFeatures]);
        var panels = padded.reshape(panelCount, width, inFeatures).transpose(1, 2).contiguous();
        error = default;
        var packed = format switch
        {
            PackedFormat.BF16 => ToBFloat16(panels, out error),
            PackedFormat.Q8 => ToInt8(panels, out error),
            _ => panels,
        };
        return packed.MoveToOuterDisposeScope();
    }

    /// <summary>As <see cref="Pack(Tensor, PackedFormat, out WeightError)"/>, in float32.</summary>
    public static Tensor Pack(Tensor weight) => Pack(weight, PackedFormat.F32, out _);

    /// <summary>The format a packed matrix is in, from its dtype.</summary>
    public static PackedFormat FormatOf(Tensor packed)
    {
        ArgumentNullException.ThrowIfNull(packed);
        return packed.dtype switch
        {
            ScalarType.Float32 => PackedFormat.F32,
            ScalarType.BFloat16 => PackedFormat.BF16,
            ScalarType.Byte => PackedFormat.Q8,
            _ => throw new ArgumentException($"A {packed.dtype} tensor is not a packed matrix.", nameof(packed)),
        };
    }

    /// <summary>The matrix's input features (the packed tensor's second dimension, in blocks for int8).</summary>
    public static long InFeatures(Tensor packed) =>
        FormatOf(packed) == PackedFormat.Q8 ? packed.shape[1] * Int8BlockRows : packed.shape[1];

    /// <param name="input">[..., in], float32 on the CPU</param>
    /// <param name="packed">from <see cref="Pack(Tensor, PackedFormat, out WeightError)"/></param>
    /// <param name="outFeatures">the weight's out features (the packed matrix is padded)</param>
    /// <param name="bias">[out], or null</param>
    /// <returns>[..., out]</returns>
    public static Tensor Multiply(Tensor input, Tensor packed, long outFeatures, Tensor? bias) =>
        Product(input, packed, outFeatures, bias, instructions: null)!;

    /// <summary>As <see cref="Multiply"/>, on the given instructions whatever the products use (to compare the kernels); null when the CPU lacks them.</summary>
    public static Tensor? MultiplyWith(KernelInstructions instructions, Tensor input, Tensor packed, long outFeatures, Tensor? bias) =>
        Product(input, packed, outFeatures, bias, instructions);

    /// <summary>Rows of the <c>[out, in]</c> matrix (an embedding lookup), in float32.</summary>
    /// <param name="indices">[n] int64, each below <paramref name="outFeatures"/></param>
    /// <returns>[n, in]</returns>
    public static Tensor Rows(Tensor packed, long outFeatures, Tensor indices)
    {
        ArgumentNullException.ThrowIfNull(packed);
        ArgumentNullException.ThrowIfNull(indices);
        using var contiguous = indices.to(ScalarType.Int64).contiguous();
        var features = contiguous.data<long>().ToArray();
        var outside = Array.FindIndex(features, feature => (ulong)feature >= (ulong)outFeatures);
        if (outside >= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(indices), features[outside], $"Row {features[outside]} is outside the matrix's {outFeatures} rows.");
        }

        var inner = InFeatures(packed);
        var output = empty([features.Length, inner], ScalarType.Float32);
        unsafe
        {
            fixed (long* pointer = features)
            {
                NativeKernels.Rows(TensorMemory.DataPointer(packed), FormatOf(packed), inner, (IntPtr)pointer, features.Length, TensorMemory.DataPointer(output));
            }
        }

        GC.KeepAlive(packed);
        return output;
    }

    private static Tensor ToBFloat16(Tensor panels, out WeightError error)
    {
        var narrow = panels.to(ScalarType.BFloat16);
        // Measured in place: an embedding matrix is large enough that float32 temporaries of it
        // would set the load's peak memory.
        var (errorSquares, weightSquares) = (0.0, 0.0);
        NativeKernels.BFloat16Error(TensorMemory.DataPointer(panels), TensorMemory.DataPointer(narrow), panels.numel(), ref errorSquares, ref weightSquares);
        error = new WeightError(errorSquares, weightSquares);
        return narrow;
    }

    private static Tensor ToInt8(Tensor panels, out WeightError error)
    {
        var (panelCount, inner, width) = (panels.shape[0], panels.shape[1], panels.shape[2]);
        var blockBytes = (width * sizeof(float)) + (Int8BlockRows * width);
        var packed = empty([panelCount, inner / Int8BlockRows, blockBytes], ScalarType.Byte);
        var (errorSquares, weightSquares) = (0.0, 0.0);
        NativeKernels.QuantizeInt8(TensorMemory.DataPointer(panels), panelCount, inner, TensorMemory.DataPointer(packed), ref errorSquares, ref weightSquares);
        error = new WeightError(errorSquares, weightSquares);
        return packed;
    }

    /// <param name="instructions">the kernel to run; null for the one the products use</param>
    private static Tensor? Product(Tensor input, Tensor packed, long outFeatures, Tensor? bias, KernelInstructions? instructions)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(packed);
        var inFeatures = InFeatures(packed);
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
        var format = FormatOf(packed);
        var computed = true;
        if (instructions is { } chosen)
        {
            computed = NativeKernels.MultiplyWith(chosen, x, rows, inFeatures, weights, format, outFeatures, b, y);
        }
        else
        {
            NativeKernels.Multiply(x, rows, inFeatures, weights, format, outFeatures, b, y);
        }

        GC.KeepAlive(input);
        GC.KeepAlive(packed);
        if (!computed)
        {
            output.Dispose();
            return null;
        }

        return output;
    }
}
