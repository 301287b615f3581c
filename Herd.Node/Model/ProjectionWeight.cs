using TorchSharp;
using TorchSharp.Modules;

namespace Herd.Node.Model;

/// <summary>Stores a projection's weight in the layout <see cref="WeightLayout"/> picks, and multiplies by it.</summary>
public static class ProjectionWeight
{
    /// <param name="weight">[out, in], as checkpoints store it; disposed if a transposed copy replaces it</param>
    public static Parameter Create(torch.Tensor weight, out bool transposed)
    {
        ArgumentNullException.ThrowIfNull(weight);
        transposed = weight.dim() == 2 && WeightLayout.PreferTransposed(weight.shape[0], weight.shape[1], weight.device);
        return Create(weight, transposed);
    }

    /// <param name="weight">[out, in], as checkpoints store it; disposed if a transposed copy replaces it</param>
    public static Parameter Create(torch.Tensor weight, bool transposed)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (!transposed)
        {
            return new Parameter(weight, requires_grad: false);
        }

        var copy = weight.t().contiguous();
        weight.Dispose();
        return new Parameter(copy, requires_grad: false);
    }

    /// <param name="input">[..., in]</param>
    /// <returns>[..., out]</returns>
    public static torch.Tensor Apply(torch.Tensor input, torch.Tensor weight, torch.Tensor? bias, bool transposed)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!transposed)
        {
            return torch.nn.functional.linear(input, weight, bias);
        }

        var output = input.matmul(weight);
        return bias is null ? output : output.add_(bias);
    }
}
