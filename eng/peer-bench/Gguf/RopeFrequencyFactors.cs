using Herd.Node.Model;

namespace Herd.PeerBench.Gguf;

/// <summary>
/// Llama 3's rope scaling in the form llama.cpp takes it: a <c>rope_freqs.weight</c> tensor of one
/// factor per frequency, which divides that frequency (1 for short wavelengths, the scaling
/// factor for long ones, a blend in between), instead of a scaling type in the metadata.
/// </summary>
public static class RopeFrequencyFactors
{
    /// <returns>head_dim / 2 factors, or null where the config has no llama3 scaling.</returns>
    public static float[]? For(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.RopeScaling is not { Kind: "llama3" } scaling)
        {
            return null;
        }

        var lowFrequencyWavelength = scaling.OriginalMaxPositionEmbeddings / scaling.LowFreqFactor;
        var highFrequencyWavelength = scaling.OriginalMaxPositionEmbeddings / scaling.HighFreqFactor;
        var dimension = config.HeadDimension;
        var factors = new float[dimension / 2];
        for (var i = 0; i < factors.Length; i++)
        {
            var frequency = 1.0 / Math.Pow(config.RopeTheta, 2.0 * i / dimension);
            var wavelength = 2 * Math.PI / frequency;
            factors[i] = (float)(wavelength < highFrequencyWavelength ? 1
                : wavelength > lowFrequencyWavelength ? scaling.Factor
                : 1 / (((1 - Smooth(wavelength)) / scaling.Factor) + Smooth(wavelength)));
        }

        return factors;

        double Smooth(double wavelength) =>
            ((scaling.OriginalMaxPositionEmbeddings / wavelength) - scaling.LowFreqFactor) / (scaling.HighFreqFactor - scaling.LowFreqFactor);
    }
}
