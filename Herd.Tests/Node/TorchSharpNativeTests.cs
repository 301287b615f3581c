using Herd.Node.Engine;
using TorchSharp;

namespace Herd.Tests.Node;

public sealed class TorchSharpNativeTests
{
    [Fact]
    public void MatrixProduct_RunsInNativeLibtorch()
    {
        using var scope = torch.NewDisposeScope();
        var left = torch.tensor(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        var right = torch.tensor(new float[] { 7, 8, 9, 10, 11, 12 }, [3, 2]);

        var product = left.matmul(right);

        Assert.Equal([2L, 2L], product.shape);
        Assert.Equal([58f, 64f, 139f, 154f], product.data<float>().ToArray());
    }

    [Fact]
    public void Select_Cpu_UsesTheCpuWithTheConfiguredThreads()
    {
        var device = ComputeDevice.Select("cpu", threads: 1);

        Assert.Equal(DeviceType.CPU, device.Device.type);
        Assert.Equal(1, device.Threads);
        Assert.Equal(1, torch.get_num_threads());
    }
}
