using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using Herd.Node.Model;
using TorchSharp;

namespace Herd.Node.Weights;

/// <summary>
/// One <c>.safetensors</c> file, memory-mapped: an 8-byte little-endian header length, a JSON
/// header naming each tensor's dtype, shape and byte range, then the raw tensor bytes.
/// </summary>
/// <remarks>
/// The file is mapped rather than read so that loading a tensor copies its bytes once, from the
/// page cache straight into the tensor's storage; a checkpoint as large as memory never sits in
/// managed arrays. The header is checked completely when the file opens, so every later load
/// reads inside the mapping.
/// </remarks>
public sealed class SafetensorsFile : IDisposable
{
    private const int LengthPrefixBytes = sizeof(ulong);

    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly nint _data;
    private readonly SafetensorsHeader _header;
    private readonly string[] _names;
    private bool _disposed;

    private SafetensorsFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, nint data, SafetensorsHeader header)
    {
        Path = path;
        _map = map;
        _view = view;
        _data = data;
        _header = header;
        _names = [.. header.Tensors.Keys];
    }

    public string Path { get; }

    /// <summary>The free-form strings of the header's <c>__metadata__</c>; empty when it has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata => _header.Metadata;

    /// <summary>The tensors' names in header order.</summary>
    public IReadOnlyCollection<string> TensorNames => _names;

    public IEnumerable<SafetensorsTensorInfo> Tensors => _header.Tensors.Values;

    /// <summary>Maps <paramref name="path"/> and checks its header.</summary>
    /// <exception cref="ModelLoadException">The file is missing, unreadable or not a well-formed safetensors file.</exception>
    public static SafetensorsFile Open(string path)
    {
        var fileLength = LengthOf(path);
        if (fileLength < LengthPrefixBytes)
        {
            throw new ModelLoadException(
                $"{path} has {fileLength} bytes, fewer than the 8-byte header length a safetensors file starts with.");
        }

        var map = Map(path);
        MemoryMappedViewAccessor? view = null;
        var pointerAcquired = false;
        try
        {
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            var start = AcquirePointer(view);
            pointerAcquired = true;
            var header = ReadHeader(start, fileLength, path, out var dataOffset);
            return new SafetensorsFile(path, map, view, start + (nint)dataOffset, header);
        }
        catch
        {
            if (pointerAcquired)
            {
                view!.SafeMemoryMappedViewHandle.ReleasePointer();
            }

            view?.Dispose();
            map.Dispose();
            throw;
        }
    }

    public bool Contains(string name) => _header.Tensors.ContainsKey(name);

    /// <exception cref="ModelLoadException">The file has no tensor <paramref name="name"/>.</exception>
    public SafetensorsTensorInfo GetTensorInfo(string name) =>
        _header.Tensors.TryGetValue(name, out var info)
            ? info
            : throw new ModelLoadException($"{Path} has no tensor '{name}'.");

    /// <summary>
    /// Creates the tensor <paramref name="name"/> from its bytes in the file, converted to
    /// <paramref name="dtype"/> on <paramref name="device"/>. The result owns its memory: it
    /// outlives this file.
    /// </summary>
    /// <exception cref="ModelLoadException">The file has no such tensor, or stores it in a dtype TorchSharp has no type for.</exception>
    public torch.Tensor Load(string name, torch.ScalarType dtype, torch.Device device)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var info = GetTensorInfo(name);
        var stored = info.DType.ToScalarType()
            ?? throw new ModelLoadException(
                $"{Path}: tensor '{name}' is stored as {info.DType.ToHeaderName()}, which Herd cannot load " +
                "(it loads F32, F16, BF16, F64, I64, I32, I16, I8, U8 and BOOL).");

        // Built on the CPU in the stored dtype, so the file's bytes are the tensor's bytes; the
        // conversion to the asked dtype and device is then one libtorch call.
        using var raw = torch.empty([.. info.Shape], stored, torch.CPU);
        TensorBytes.CopyInto(raw, _data + (nint)info.DataBegin, info.ByteLength);
        MappedPages.Release(_data + (nint)info.DataBegin, info.ByteLength);
        return raw.to(dtype, device);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }

    private static long LengthOf(string path)
    {
        try
        {
            return new FileInfo(path).Length;
        }
        catch (FileNotFoundException error)
        {
            throw new ModelLoadException($"{path} does not exist.", error);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new ModelLoadException($"{path} cannot be read: {error.Message}", error);
        }
    }

    private static MemoryMappedFile Map(string path)
    {
        try
        {
            return MemoryMappedFile.CreateFromFile(path, FileMode.Open, mapName: null, capacity: 0, MemoryMappedFileAccess.Read);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new ModelLoadException($"{path} cannot be mapped into memory: {error.Message}", error);
        }
    }

    private static unsafe nint AcquirePointer(MemoryMappedViewAccessor view)
    {
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);

        // The view starts at a page boundary; the file's first byte lies PointerOffset bytes in.
        return (nint)(pointer + view.PointerOffset);
    }

    private static unsafe SafetensorsHeader ReadHeader(nint start, long fileLength, string path, out long dataOffset)
    {
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>((byte*)start, LengthPrefixBytes));
        if (headerLength > SafetensorsHeader.MaxLength)
        {
            throw new ModelLoadException(
                $"{path}: the header length is {headerLength} bytes, more than the {SafetensorsHeader.MaxLength} a safetensors header may have; the file is corrupt or not safetensors.");
        }

        if ((long)headerLength > fileLength - LengthPrefixBytes)
        {
            throw new ModelLoadException(
                $"{path}: the header length is {headerLength} bytes, but only {fileLength - LengthPrefixBytes} follow it; the file is truncated or not safetensors.");
        }

        dataOffset = LengthPrefixBytes + (long)headerLength;
        var json = new ReadOnlySpan<byte>((byte*)start + LengthPrefixBytes, (int)headerLength);
        return SafetensorsHeader.Parse(json, fileLength - dataOffset, path);
    }
}
