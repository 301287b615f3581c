using Herd.Node.Model;
using Herd.Node.Weights;
using TorchSharp;

namespace Herd.Tests.Node.Weights;

public sealed class SafetensorsFileTests : IDisposable
{
    // Exactly representable in F16 and BF16 alike, so round trips compare with equality.
    private static readonly float[] Representable = [0.5f, -2f, 1.5f, 3.25f, 1024f, -0.125f];

    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Theory]
    [InlineData(torch.ScalarType.Float32, SafetensorsDType.F32)]
    [InlineData(torch.ScalarType.Float16, SafetensorsDType.F16)]
    [InlineData(torch.ScalarType.BFloat16, SafetensorsDType.BF16)]
    public void Load_WrittenInItsOwnDType_ReturnsTheSameValuesShapeAndDType(torch.ScalarType dtype, SafetensorsDType stored)
    {
        var path = _scratch.File("model.safetensors");
        var written = torch.tensor(Representable, [2, 3]).to(dtype);
        SafetensorsWriter.Write(path, [new("w", written)]);

        using var file = SafetensorsFile.Open(path);
        var loaded = file.Load("w", dtype, torch.CPU);

        Assert.Equal(stored, file.GetTensorInfo("w").DType);
        Assert.Equal(dtype, loaded.dtype);
        Assert.Equal([2L, 3L], loaded.shape);
        Assert.Equal(Representable, loaded.to(torch.ScalarType.Float32).data<float>().ToArray());
    }

    [Theory]
    [InlineData(torch.ScalarType.Float16)]
    [InlineData(torch.ScalarType.BFloat16)]
    public void Load_HalfPrecisionAskedAsF32_ConvertsEveryValue(torch.ScalarType stored)
    {
        var path = _scratch.File("model.safetensors");
        SafetensorsWriter.Write(path, [new("w", torch.tensor(Representable, [3, 2]).to(stored))]);

        using var file = SafetensorsFile.Open(path);
        var loaded = file.Load("w", torch.ScalarType.Float32, torch.CPU);

        Assert.Equal(torch.ScalarType.Float32, loaded.dtype);
        Assert.Equal([3L, 2L], loaded.shape);
        Assert.Equal(Representable, loaded.data<float>().ToArray());
    }

    [Fact]
    public void Load_F32AskedAsBF16_ConvertsEveryValue()
    {
        var path = _scratch.File("model.safetensors");
        SafetensorsWriter.Write(path, [new("w", torch.tensor(Representable))]);

        using var file = SafetensorsFile.Open(path);
        var loaded = file.Load("w", torch.ScalarType.BFloat16, torch.CPU);

        Assert.Equal(torch.ScalarType.BFloat16, loaded.dtype);
        Assert.Equal(Representable, loaded.to(torch.ScalarType.Float32).data<float>().ToArray());
    }

    [Fact]
    public void Load_IntegerAndDoubleTensors_RoundTripExactly()
    {
        var path = _scratch.File("goldens.safetensors");
        long[] ids = [long.MinValue, -1, 0, 1L << 40, long.MaxValue];
        int[] positions = [int.MinValue, 0, 7, int.MaxValue];
        double[] logits = [Math.PI, -1e300, 5e-324];
        SafetensorsWriter.Write(path,
        [
            new("ids", torch.tensor(ids)),
            new("positions", torch.tensor(positions)),
            new("logits", torch.tensor(logits)),
        ]);

        using var file = SafetensorsFile.Open(path);

        Assert.Equal(ids, file.Load("ids", torch.ScalarType.Int64, torch.CPU).data<long>().ToArray());
        Assert.Equal(positions, file.Load("positions", torch.ScalarType.Int32, torch.CPU).data<int>().ToArray());
        Assert.Equal(logits, file.Load("logits", torch.ScalarType.Float64, torch.CPU).data<double>().ToArray());
        Assert.Equal(SafetensorsDType.I64, file.GetTensorInfo("ids").DType);
        Assert.Equal(SafetensorsDType.I32, file.GetTensorInfo("positions").DType);
        Assert.Equal(SafetensorsDType.F64, file.GetTensorInfo("logits").DType);
    }

    [Fact]
    public void Load_FileWrittenByHand_ReadsLittleEndianBytesAtTheirOffsets()
    {
        var path = _scratch.File("hand.safetensors");
        RawSafetensors.Write(path,
            """{"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},"a":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]}}""",
            RawSafetensors.Floats(1f, 2f, -3.5f, 1e-3f));

        using var file = SafetensorsFile.Open(path);

        Assert.Equal(["b", "a"], file.TensorNames);
        Assert.Equal([1f, 2f], file.Load("a", torch.ScalarType.Float32, torch.CPU).data<float>().ToArray());
        Assert.Equal([1L, 2L], file.Load("a", torch.ScalarType.Float32, torch.CPU).shape);
        Assert.Equal([-3.5f, 1e-3f], file.Load("b", torch.ScalarType.Float32, torch.CPU).data<float>().ToArray());
    }

    [Fact]
    public void Load_FourMillionFloats_CopiesEveryValue()
    {
        var path = _scratch.File("large.safetensors");
        var written = torch.arange(4L << 20, dtype: torch.ScalarType.Float32).reshape(2048, 2048);
        SafetensorsWriter.Write(path, [new("embed_tokens.weight", written)]);

        using var file = SafetensorsFile.Open(path);
        var loaded = file.Load("embed_tokens.weight", torch.ScalarType.Float32, torch.CPU);

        Assert.Equal([2048L, 2048L], loaded.shape);
        Assert.True(written.eq(loaded).all().item<bool>());
        Assert.Equal((4 << 20) - 1, loaded[2047, 2047].item<float>());
    }

    [Fact]
    public void Load_ScalarAndEmptyTensors_KeepTheirShapes()
    {
        var path = _scratch.File("edges.safetensors");
        SafetensorsWriter.Write(path,
        [
            new("scalar", torch.tensor(2.5f)),
            new("empty", torch.zeros(0, 4)),
        ]);

        using var file = SafetensorsFile.Open(path);
        var scalar = file.Load("scalar", torch.ScalarType.Float32, torch.CPU);
        var empty = file.Load("empty", torch.ScalarType.Float32, torch.CPU);

        Assert.Empty(scalar.shape);
        Assert.Equal(2.5f, scalar.item<float>());
        Assert.Equal([0L, 4L], empty.shape);
    }

    [Fact]
    public void Load_AfterTheFileIsClosed_TheTensorKeepsItsValues()
    {
        var path = _scratch.File("model.safetensors");
        SafetensorsWriter.Write(path, [new("w", torch.tensor(Representable))]);

        torch.Tensor loaded;
        using (var file = SafetensorsFile.Open(path))
        {
            loaded = file.Load("w", torch.ScalarType.Float32, torch.CPU);
        }

        Assert.Equal(Representable, loaded.data<float>().ToArray());
    }

    [Fact]
    public void Load_ClosedFile_ThrowsObjectDisposed()
    {
        var path = _scratch.File("model.safetensors");
        SafetensorsWriter.Write(path, [new("w", torch.tensor(Representable))]);
        var file = SafetensorsFile.Open(path);
        file.Dispose();

        Assert.Throws<ObjectDisposedException>(() => file.Load("w", torch.ScalarType.Float32, torch.CPU));
    }

    [Fact]
    public void Load_UnknownTensor_ThrowsNamingFileAndTensor()
    {
        var path = _scratch.File("model.safetensors");
        SafetensorsWriter.Write(path, [new("w", torch.tensor(Representable))]);
        using var file = SafetensorsFile.Open(path);

        var error = Assert.Throws<ModelLoadException>(() => file.Load("lm_head.weight", torch.ScalarType.Float32, torch.CPU));

        Assert.Equal($"{path} has no tensor 'lm_head.weight'.", error.Message);
    }

    [Fact]
    public void Load_StoredAsU16_ThrowsNamingTheDType()
    {
        var path = _scratch.File("unsigned.safetensors");
        RawSafetensors.Write(path, """{"w":{"dtype":"U16","shape":[2],"data_offsets":[0,4]}}""", [1, 0, 2, 0]);
        using var file = SafetensorsFile.Open(path);

        var error = Assert.Throws<ModelLoadException>(() => file.Load("w", torch.ScalarType.Float32, torch.CPU));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("'w' is stored as U16, which Herd cannot load", error.Message, StringComparison.Ordinal);
        Assert.Equal([2L], file.GetTensorInfo("w").Shape);
    }

    [Fact]
    public void Open_WithMetadata_ExposesMetadataAndTensorInfo()
    {
        var path = _scratch.File("model.safetensors");
        SafetensorsWriter.Write(path,
            [new("w", torch.zeros(3, 5, dtype: torch.ScalarType.BFloat16))],
            new Dictionary<string, string> { ["format"] = "pt" });

        using var file = SafetensorsFile.Open(path);
        var info = file.GetTensorInfo("w");

        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal(["w"], file.TensorNames);
        Assert.True(file.Contains("w"));
        Assert.Equal(new SafetensorsTensorInfo("w", SafetensorsDType.BF16, info.Shape, 0, 30), info);
        Assert.Equal([3L, 5L], info.Shape);
        Assert.Equal(15, info.ElementCount);
    }
}
