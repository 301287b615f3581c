using System.Text;

namespace Herd.Node.Tokenization;

/// <summary>
/// GPT-2's byte-to-character table, which byte-level BPE vocabularies (Llama 3, Qwen2, GPT-2) are
/// written in: printable bytes stand for themselves, the others are shifted to U+0100 and above,
/// so that a space becomes <c>Ġ</c> and a newline <c>Ċ</c>.
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = BuildByteToChar();
    private static readonly int[] CharToByte = BuildCharToByte(ByteToChar);

    public static char ToChar(byte value) => ByteToChar[value];

    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            chars[i] = ByteToChar[bytes[i]];
        }

        return new string(chars);
    }

    /// <summary>
    /// The bytes a vocabulary entry stands for. A character outside the alphabet (which a
    /// well-formed byte-level vocabulary does not have) stands for its own UTF-8 bytes.
    /// </summary>
    public static byte[] Decode(string token)
    {
        var bytes = new List<byte>(token.Length);
        var outside = new StringBuilder();
        foreach (var c in token)
        {
            var value = c < CharToByte.Length ? CharToByte[c] : -1;
            if (value >= 0)
            {
                FlushOutside(outside, bytes);
                bytes.Add((byte)value);
            }
            else
            {
                outside.Append(c);
            }
        }

        FlushOutside(outside, bytes);
        return [.. bytes];
    }

    private static void FlushOutside(StringBuilder outside, List<byte> bytes)
    {
        if (outside.Length == 0)
        {
            return;
        }

        bytes.AddRange(Encoding.UTF8.GetBytes(outside.ToString()));
        outside.Clear();
    }

    private static char[] BuildByteToChar()
    {
        var table = new char[256];
        var shifted = 0;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            table[b] = printable ? (char)b : (char)(256 + shifted++);
        }

        return table;
    }

    private static int[] BuildCharToByte(char[] byteToChar)
    {
        var table = new int[byteToChar.Max() + 1];
        Array.Fill(table, -1);
        for (var b = 0; b < byteToChar.Length; b++)
        {
            table[byteToChar[b]] = b;
        }

        return table;
    }
}
