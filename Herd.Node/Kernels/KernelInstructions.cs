namespace Herd.Node.Kernels;

/// <summary>The vector instructions Herd's native matrix products run on (the native library's own numbering).</summary>
public enum KernelInstructions
{
    /// <summary>The kernels cannot run: the model uses libtorch's products.</summary>
    None = 0,

    /// <summary>256-bit vectors with fused multiply-add, for CPUs without AVX-512.</summary>
    Avx2 = 1,

    /// <summary>512-bit vectors; the LoRA updates run only on these.</summary>
    Avx512 = 2,
}
