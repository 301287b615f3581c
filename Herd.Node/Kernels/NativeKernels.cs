using System.Runtime.InteropServices;

namespace Herd.Node.Kernels;

/// <summary>
/// Herd's native CPU matrix products (<c>libherd_kernels.so</c>, built from the C++ files in
/// <c>Kernels/native/</c>). They run where the library was built and the CPU has AVX-512, or
/// AVX2 with FMA; elsewhere <see cref="IsAvailable"/> is false and the model uses libtorch's
/// products. Setting <c>HERD_NATIVE_KERNELS=0</c> turns them off, and <c>HERD_NATIVE_KERNELS=avx2</c>
/// keeps an AVX-512 CPU to AVX2, to compare them.
/// </summary>
public static partial class NativeKernels
{
    internal const string Library = "herd_kernels";

    private static readonly Lazy<long> Width = new(Probe);

    public static bool IsAvailable => PanelWidth > 0;

    /// <summary>The instructions the products run on; <see cref="KernelInstructions.None"/> when they do not run.</summary>
    public static KernelInstructions Instructions => IsAvailable ? (KernelInstructions)herd_kernels_instructions() : KernelInstructions.None;

    /// <summary>Output features per packed panel; 0 when the kernels cannot run here.</summary>
    public static long PanelWidth => Width.Value;

    /// <summary>Why the kernels are not used, or null when they are.</summary>
    public static string? UnavailableReason { get; private set; }

    /// <summary>Threads each product may use, the calling thread included.</summary>
    public static void SetThreads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        if (IsAvailable)
        {
            herd_kernels_set_threads(threads);
        }
    }

    /// <summary><c>y[rows, features] = x[rows, inner] · Wᵀ + bias</c>, W packed by <see cref="PackedMatrix"/> in <paramref name="format"/>.</summary>
    internal static void Multiply(IntPtr x, long rows, long inner, IntPtr packed, PackedFormat format, long features, IntPtr bias, IntPtr y) =>
        herd_kernels_multiply(x, rows, inner, packed, (int)format, features, bias, y);

    /// <summary>As <see cref="Multiply"/>, on the given instructions whatever the products use; false, and nothing computed, when the CPU lacks them.</summary>
    internal static bool MultiplyWith(KernelInstructions instructions, IntPtr x, long rows, long inner, IntPtr packed, PackedFormat format, long features, IntPtr bias, IntPtr y) =>
        IsAvailable && herd_kernels_multiply_with((int)instructions, x, rows, inner, packed, (int)format, features, bias, y);

    /// <summary><c>output[i] = W[features[i]]</c> (<paramref name="inner"/> floats each), from W packed in <paramref name="format"/>; the caller checks the features.</summary>
    internal static void Rows(IntPtr packed, PackedFormat format, long inner, IntPtr features, long count, IntPtr output) =>
        herd_kernels_rows(packed, (int)format, inner, features, count, output);

    /// <summary>Adds the squared differences between float32 weights and their bfloat16 copies, and the squared weights, to the sums.</summary>
    internal static void BFloat16Error(IntPtr wide, IntPtr narrow, long count, ref double errorSquares, ref double weightSquares) =>
        herd_kernels_bfloat16_error(wide, narrow, count, ref errorSquares, ref weightSquares);

    /// <summary>Quantises float32 panels to <see cref="PackedFormat.Q8"/>, adding the squared errors and weights to the sums.</summary>
    internal static void QuantizeInt8(IntPtr panels, long panelCount, long inner, IntPtr output, ref double errorSquares, ref double weightSquares) =>
        herd_kernels_quantize_int8(panels, panelCount, inner, output, ref errorSquares, ref weightSquares);

    private static long Probe()
    {
        if (Environment.GetEnvironmentVariable("HERD_NATIVE_KERNELS") == "0")
        {
            UnavailableReason = "turned off by HERD_NATIVE_KERNELS=0";
            return 0;
        }

        try
        {
            if (Environment.GetEnvironmentVariable("HERD_NATIVE_KERNELS") == "avx2" && !herd_kernels_use_instructions((int)KernelInstructions.Avx2))
            {
                UnavailableReason = "HERD_NATIVE_KERNELS=avx2 asks for AVX2, which this CPU does not have";
                return 0;
            }

            var width = herd_kernels_panel_width();
            UnavailableReason = width > 0 ? null : "this CPU has neither AVX-512 nor AVX2 with FMA";
            return width;
        }
        catch (DllNotFoundException)
        {
            UnavailableReason = "libherd_kernels.so was not built (no g++ at build time, or not Linux x64)";
            return 0;
        }
    }

    [LibraryImport(Library)]
    private static partial long herd_kernels_panel_width();

    [LibraryImport(Library)]
    private static partial void herd_kernels_set_threads(int threads);

    [LibraryImport(Library)]
    private static partial int herd_kernels_instructions();

    [LibraryImport(Library)]
    [return: MarshalAs(UnmanagedType.U1)]
    private static partial bool herd_kernels_use_instructions(int instructions);

    [LibraryImport(Library)]
    [return: MarshalAs(UnmanagedType.U1)]
    private static partial bool herd_kernels_multiply_with(int instructions, IntPtr x, long rows, long inner, IntPtr packed, int format, long features, IntPtr bias, IntPtr y);

    [LibraryImport(Library)]
    private static partial void herd_kernels_multiply(IntPtr x, long rows, long inner, IntPtr packed, int format, long features, IntPtr bias, IntPtr y);

    [LibraryImport(Library)]
    private static partial void herd_kernels_rows(IntPtr packed, int format, long inner, IntPtr features, long count, IntPtr output);

    [LibraryImport(Library)]
    private static partial void herd_kernels_bfloat16_error(IntPtr wide, IntPtr narrow, long count, ref double errorSquares, ref double weightSquares);

    [LibraryImport(Library)]
    private static partial void herd_kernels_quantize_int8(IntPtr panels, long panelCount, long inner, IntPtr output, ref double errorSquares, ref double weightSquares);
}
