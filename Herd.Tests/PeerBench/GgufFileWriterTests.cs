using System.Buffers.Binary;
using System.Text;
using Herd.PeerBench.Gguf;

namespace Herd.Tests.PeerBench;

public sealed class GgufFileWriterTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("herd-gguf-writer-").FullName;

    [Fact]
    public void Create_WritesGgufVersion3_WithEachTensorAlignedAndItsDimensionsInnermostFirst()
    {
        var path = Path.Combine(_root, "small.gguf");
        var metadata = new GgufMetadata().Add("general.architecture", "llama").Add("llama.block_count", 2u);
        GgufTensorInfo[] tensors = [new("a", [3], GgmlType.F32), new("b", [2, 32], GgmlType.Q8_0)];

        using (var writer = GgufFileWriter.Create(path, metadata, tensors))
        {
            writer.WriteTensor("a", stream => stream.Write(new byte[12]));
            writer.WriteTensor("b", stream => stream.Write(new byte[68]));
            writer.Complete();
        }

        var file = File.ReadAllBytes(path);
        Assert.Equal("GGUF"u8.ToArray(), file[..4]);
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(4)));
        Assert.Equal(2ul, BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(8)));
        Assert.Equal(2ul, BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(16)));

        // b's info: name, 2 dimensions (32 then 2), Q8_0, and the offset after a's 12 bytes padded to 32.
        var b = IndexOf(file, [1, 0, 0, 0, 0, 0, 0, 0, (byte)'b']) + 9;
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(b)));
        Assert.Equal(32ul, BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(b + 4)));
        Assert.Equal(2ul, BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(b + 12)));
        Assert.Equal(8u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(b + 20)));
        Assert.Equal(32ul, BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(b + 24)));
        var dataStart = file.Length - 32 - 96;
        Assert.Equal(0, dataStart % GgufFileWriter.Alignment);
    }

    [Fact]
    public void WriteTensor_OutOfOrderOrOfTheWrongSize_IsRefused()
    {
        using var writer = GgufFileWriter.Create(Path.Combine(_root, "order.gguf"), new GgufMetadata(),
            [new("first", [4], GgmlType.F32), new("second", [4], GgmlType.BF16)]);

        var outOfOrder = Assert.Throws<ArgumentException>(() => writer.WriteTensor("second", stream => stream.Write(new byte[8])));
        var tooShort = Assert.Throws<InvalidOperationException>(() => writer.WriteTensor("first", stream => stream.Write(new byte[15])));
        var incomplete = Assert.Throws<InvalidOperationException>(writer.Complete);

        Assert.Contains("the next is 'first'", outOfOrder.Message, StringComparison.Ordinal);
        Assert.Contains("takes 16 bytes, but 15 were written", tooShort.Message, StringComparison.Ordinal);
        Assert.Contains("'second'", incomplete.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Metadata_AKeyGivenTwice_IsRefused()
    {
        var metadata = new GgufMetadata().Add("general.name", "a");

        var error = Assert.Throws<ArgumentException>(() => metadata.Add("general.name", "b"));

        Assert.Contains("'general.name' is given twice", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (var i = 0; i <= haystack.Length - needle.Length; i++)
        {
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle))
            {
                return i;
            }
        }

        throw new InvalidOperationException($"{Encoding.ASCII.GetString(needle)} is not in the file.");
    }
}
