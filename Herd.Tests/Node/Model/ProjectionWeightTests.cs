using Herd.Node.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Tests.Node.Model;

public sealed class ProjectionWeightTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Apply_InEitherLayout_IsTheLinearLayerOfTheCheckpointWeight(bool transposed)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var weight = randn(300, 200);
        var bias = randn(300);
        var input = randn(3, 5, 200);
        var expected = nn.functional.linear(input, weight, bias);

        using var stored = ProjectionWeight.Create(weight.clone(), transposed);
        var actual = ProjectionWeight.Apply(input, stored, bias, transposed);

        Assert.Equal(transposed ? [200L, 300L] : [300L, 200L], stored.shape);
        Assert.True(actual.allclose(expected, rtol: 1e-5, atol: 1e-5));
    }
}
