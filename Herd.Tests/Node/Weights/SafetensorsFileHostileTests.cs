using Herd.Node.Model;
using Herd.Node.Weights;

namespace Herd.Tests.Node.Weights;

/// <summary>Files a download, a disk or an attacker could produce: each must fail with its name and problem.</summary>
public sealed class SafetensorsFileHostileTests : IDisposable
{
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public void Open_MissingFile_ThrowsNamingIt()
    {
        var path = _scratch.File("absent.safetensors");

        var error = Assert.Throws<ModelLoadException>(() => SafetensorsFile.Open(path));

        Assert.Equal($"{path} does not exist.", error.Message);
    }

    [Fact]
    public void Open_FileShorterThanTheLengthPrefix_Throws()
    {
        var path = _scratch.File("short.safetensors");
        File.WriteAllBytes(path, [1, 2, 3]);

        var error = Assert.Throws<ModelLoadException>(() => SafetensorsFile.Open(path));

        Assert.Equal($"{path} has 3 bytes, fewer than the 8-byte header length a safetensors file starts with.", error.Message);
    }

    [Fact]
    public void Open_HeaderLengthPastTheEndOfTheFile_ThrowsSayingTruncated()
    {
        var path = _scratch.File("truncated.safetensors");
        RawSafetensors.Write(path, "{}", [], headerLength: 1000);

        var error = Assert.Throws<ModelLoadException>(() => SafetensorsFile.Open(path));

        Assert.StartsWith(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("header length is 1000 bytes, but only 2 follow it; the file is truncated", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(100_000_001UL)]
    [InlineData(ulong.MaxValue)]
    public void Open_AbsurdHeaderLength_ThrowsBeforeReadingIt(ulong headerLength)
    {
        var path = _scratch.File("absurd.safetensors");
        RawSafetensors.Write(path, "{}", [], headerLength);

        var error = Assert.Throws<ModelLoadException>(() => SafetensorsFile.Open(path));

        Assert.StartsWith(path, error.Message, StringComparison.Ordinal);
        Assert.Contains($"header length is {headerLength} bytes, more than the 100000000", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"w\": ")]
    [InlineData("not json at all")]
    [InlineData("")]
    public void Open_HeaderNotJson_ThrowsSayingSo(string header)
    {
        var path = _scratch.File("garbled.safetensors");
        RawSafetensors.Write(path, header, []);

        var error = Assert.Throws<ModelLoadException>(() => SafetensorsFile.Open(path));

        Assert.StartsWith($"{path}: the safetensors header is not valid JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_HeaderAnArray_ThrowsSayingItMustBeAnObject()
    {
        var path = _scratch.File("array.safetensors");
        RawSafetensors.Write(path, "[1, 2]", []);

        var error = Assert.Throws<ModelLoadException>(() => SafetensorsFile.Open(path));

        Assert.Equal($"{path}: the safetensors header must be a JSON object, not Array.", error.Message);
    }

    [Theory]
    [InlineData("""{"w":{"shape":[2],"data_offsets":[0,8]}}""", "has no dtype string")]
    [InlineData("""{"w":{"dtype":"F32","data_offsets":[0,8]}}""", "has no shape array")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2]}}""", "has no data_offsets array")]
    [InlineData("""{"w":{"dtype":"F32","shape":2,"data_offsets":[0,8]}}""", "has no shape array")]
    [InlineData("""{"w":"F32"}""", "must be an object with dtype, shape and data_offsets")]
    [InlineData("""{"w":{"dtype":"F7","shape":[2],"data_offsets":[0,8]}}""", "has unknown dtype 'F7' (known: BOOL, U8")]
    [InlineData("""{"w":{"dtype":"f32","shape":[2],"data_offsets":[0,8]}}""", "has unknown dtype 'f32'")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}""", "data_offsets [8, 0] end before they begin")]
    [InlineData("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", "data_offsets [0, 16] reach past the end of the data (8 bytes)")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}""", "data_offsets [0, 4] hold 4 bytes, but shape [2] of F32 needs 8")]
    [InlineData("""{"w":{"dtype":"F16","shape":[2],"data_offsets":[0,8]}}""", "hold 8 bytes, but shape [2] of F16 needs 4")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0]}}""", "data_offsets must be two non-negative integers [begin, end], not [0]")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}""", "data_offsets must be two non-negative integers")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,"8"]}}""", "data_offsets must hold integers, not \"8\"")]
    [InlineData("""{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", "has a negative dimension in shape [-2]")]
    [InlineData("""{"w":{"dtype":"F32","shape":[-1,-2],"data_offsets":[0,8]}}""", "has a negative dimension")]
    [InlineData("""{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,8]}}""", "shape must hold integers, not 1.5")]
    [InlineData("""{"w":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,8]}}""", "shape must hold integers")]
    [InlineData("""{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}""", "is too large to address")]
    public void Open_MalformedTensorEntry_ThrowsNamingFileTensorAndProblem(string header, string problem)
    {
        var path = _scratch.File("hostile.safetensors");
        RawSafetensors.Write(path, header, RawSafetensors.Floats(1f, 2f));

        var error = Assert.Throws<ModelLoadException>(() => SafetensorsFile.Open(path));

        Assert.StartsWith($"{path}: tensor 'w'", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"__metadata__":["pt"]}""", "__metadata__ must be an object of strings")]
    [InlineData("""{"__metadata__":{"format":1}}""", "__metadata__ entry 'format' must be a string, not Number")]
    [InlineData("""{"w":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[],"data_offsets":[4,8]}}""", "names tensor 'w' twice")]
    public void Open_MalformedHeader_ThrowsNamingFileAndProblem(string header, string problem)
    {
        var path = _scratch.File("hostile.safetensors");
        RawSafetensors.Write(path, header, RawSafetensors.Floats(1f, 2f));

        var error = Assert.Throws<ModelLoadException>(() => SafetensorsFile.Open(path));

        Assert.StartsWith(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }
}
