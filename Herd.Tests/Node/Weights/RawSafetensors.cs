using System.Buffers.Binary;
using System.Text;

namespace Herd.Tests.Node.Weights;

/// <summary>Writes safetensors files byte by byte, so tests can build the malformed ones the writer never would.</summary>
internal static class RawSafetensors
{
    /// <param name="path">The file to write.</param>
    /// <param name="header">The header JSON, written as UTF-8.</param>
    /// <param name="data">The bytes after the header.</param>
    /// <param name="headerLength">The length prefix; the true header length when null.</param>
    public static void Write(string path, string header, byte[] data, ulong? headerLength = null)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var prefix = new byte[sizeof(ulong)];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, headerLength ?? (ulong)json.Length);
        System.IO.File.WriteAllBytes(path, [.. prefix, .. json, .. data]);
    }

    public static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        }

        return bytes;
    }
}
