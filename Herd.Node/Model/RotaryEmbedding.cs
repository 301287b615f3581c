using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Node.Model;

/// <summary>
/// Rotary position embeddings in Hugging Face's "rotate half" layout, with Llama 3's frequency
/// scaling when the config asks for it. Cosine and sine tables cover every position the engine
/// serves and are computed once.
/// </summary>
public sealed class RotaryEmbedding : IDisposable
{
    private readonly Tensor _cos;
    private readonly Tensor _sin;

    public RotaryEmbedding(ModelConfig config, int maxPositions, ScalarType dtype, Device device)
    {
        ArgumentNullException.ThrowIfNull(config);
        using var scope = NewDisposeScope();
        var inverseFrequencies = InverseFrequencies(config);
        var positions = arange(maxPositions, dtype: float64);
        // [positions, head_dim / 2] -> [positions, head_dim]
        var angles = outer(positions, inverseFrequencies);
        angles = cat([angles, angles], dim: -1);
        // The tables live as long as the model, whatever scope it was built in. The sine table's
        // first half is negated so that rotating is x * cos + roll(x, half) * sin.
        var half = config.HeadDimension / 2;
        var signs = cat([-ones(half, dtype: float64), ones(half, dtype: float64)]);
        _cos = angles.cos().to(dtype, device).DetachFromDisposeScope();
        _sin = (angles.sin() * signs).to(dtype, device).DetachFromDisposeScope();
    }

    /// <summary>[positions, head_dim]: the cosine of every position the tables cover.</summary>
    internal Tensor CosTable => _cos;

    /// <summary>[positions, head_dim]: the signed sine (first half negated) of every position.</summary>
    internal Tensor SinTable => _sin;

    /// <summary>Cosines and signed sines (first half negated) for the given positions, shaped to broadcast over heads.</summary>
    /// <param name="positions">[batch, tokens], int64</param>
    /// <returns>Each [batch, 1, tokens, head_dim]</returns>
    public (Tensor Cos, Tensor Sin) Angles(Tensor positions)
    {
        ArgumentNullException.ThrowIfNull(positions);
        var (batch, tokens) = (positions.shape[0], positions.shape[1]);
        var flat = positions.reshape(-1);
        var headDim = _cos.shape[1];
        return (_cos.index_select(0, flat).view(batch, 1, tokens, headDim),
            _sin.index_select(0, flat).view(batch, 1, tokens, headDim));
    }

    public void Dispose()
    {
        _cos.Dispose();
        _sin.Dispose();
    }

    private static Tensor InverseFrequencies(ModelConfig config)
    {
        var dim = config.HeadDimension;
        var inverse = 1.0 / pow(config.RopeTheta, arange(0, dim, 2, dtype: float64) / dim);
        return config.RopeScaling?.Kind == "llama3" ? Llama3Scaled(inverse, config.RopeScaling) : inverse;
    }

    // Llama 3 stretches long wavelengths by the factor, keeps short ones, and blends in between.
    private static Tensor Llama3Scaled(Tensor inverse, RopeScaling scaling)
    {
        var lowFreqWavelength = scaling.OriginalMaxPositionEmbeddings / scaling.LowFreqFactor;
        var highFreqWavelength = scaling.OriginalMaxPositionEmbeddings / scaling.HighFreqFactor;
        var wavelength = 2 * Math.PI / inverse;
        var scaled = where(wavelength > lowFreqWavelength, inverse / scaling.Factor, inverse);
        var smooth = (scaling.OriginalMaxPositionEmbeddings / wavelength - scaling.LowFreqFactor)
            / (scaling.HighFreqFactor - scaling.LowFreqFactor);
        var blended = (1 - smooth) * scaled / scaling.Factor + smooth * scaled;
        var isMedium = (wavelength >= highFreqWavelength).logical_and(wavelength <= lowFreqWavelength);
        return where(isMedium, blended, scaled);
    }
}
