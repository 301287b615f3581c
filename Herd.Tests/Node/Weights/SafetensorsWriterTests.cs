using System.Buffers.Binary;
using System.Text;
using Herd.Node.Weights;
using TorchSharp;

namespace Herd.Tests.Node.Weights;

public sealed class SafetensorsWriterTests : IDisposable
{
    private static readonly float[] OneTwo = [1f, 2f];
    private static readonly float[] OneMinusTwo = [1f, -2f];

    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public void Write_OneF32Tensor_ProducesTheReferenceLayout()
    {
        var path = _scratch.File("a.safetensors");

        SafetensorsWriter.Write(path, [new("a", torch.tensor(OneTwo))]);

        // What the reference implementation writes for {"a": tensor([1., 2.])}: the 54-byte
        // header padded with two spaces to 56, then the floats.
        const string Header = """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}  """;
        byte[] expected = [56, 0, 0, 0, 0, 0, 0, 0, .. Encoding.UTF8.GetBytes(Header), .. RawSafetensors.Floats(1f, 2f)];
        Assert.Equal(expected, File.ReadAllBytes(path));
    }

    [Fact]
    public void Write_WithMetadata_PutsItFirstAndPadsToEightBytes()
    {
        var path = _scratch.File("m.safetensors");

        SafetensorsWriter.Write(path,
            [new("w", torch.ones(3, dtype: torch.ScalarType.Float16))],
            new Dictionary<string, string> { ["format"] = "pt" });

        var (header, _) = Split(File.ReadAllBytes(path));
        Assert.Equal(0, header.Length % 8);
        Assert.StartsWith("""{"__metadata__":{"format":"pt"},"w":""", header, StringComparison.Ordinal);
        Assert.EndsWith("}", header.TrimEnd(' '), StringComparison.Ordinal);
    }

    [Fact]
    public void Write_BF16Tensor_StoresTwoBytesPerValue()
    {
        var path = _scratch.File("bf16.safetensors");

        SafetensorsWriter.Write(path, [new("w", torch.tensor(OneMinusTwo).to(torch.ScalarType.BFloat16))]);

        var (header, data) = Split(File.ReadAllBytes(path));
        Assert.Contains("\"dtype\":\"BF16\"", header, StringComparison.Ordinal);
        Assert.Equal(new byte[] { 0x80, 0x3F, 0x00, 0xC0 }, data);
    }

    [Fact]
    public void Write_MixedDTypes_OrdersByElementSizeThenNameSoEachTensorIsAligned()
    {
        var path = _scratch.File("mixed.safetensors");

        SafetensorsWriter.Write(path,
        [
            new("z_half", torch.ones(3, dtype: torch.ScalarType.Float16)),
            new("b_float", torch.ones(1, dtype: torch.ScalarType.Float32)),
            new("a_float", torch.ones(1, dtype: torch.ScalarType.Float32)),
            new("ids", torch.ones(1, dtype: torch.ScalarType.Int64)),
            new("mask", torch.ones(1, dtype: torch.ScalarType.Bool)),
        ]);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(["ids", "a_float", "b_float", "z_half", "mask"], file.TensorNames);
        Assert.All(file.Tensors, info => Assert.Equal(0, info.DataBegin % info.DType.ElementSize()));
        Assert.True(file.Load("mask", torch.ScalarType.Bool, torch.CPU).item<bool>());
    }

    [Fact]
    public void Write_NameGivenTwice_ThrowsArgumentException()
    {
        var path = _scratch.File("twice.safetensors");

        var error = Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path,
            [new("w", torch.ones(1)), new("w", torch.ones(2))]));

        Assert.Contains("'w'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_ComplexTensor_ThrowsArgumentException()
    {
        var path = _scratch.File("complex.safetensors");

        var error = Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path,
            [new("c", torch.ones(2, dtype: torch.ScalarType.ComplexFloat32))]));

        Assert.Contains("safetensors cannot store", error.Message, StringComparison.Ordinal);
    }

    private static (string Header, byte[] Data) Split(byte[] file)
    {
        var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        return (Encoding.UTF8.GetString(file, 8, length), file[(8 + length)..]);
    }
}
