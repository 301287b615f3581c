using System.Globalization;
using Google.Protobuf;

namespace Herd.Tests.Node.Tokenization;

/// <summary>
/// Writes a small SentencePiece BPE <c>tokenizer.model</c> laid out as Llama 2's is: <c>&lt;unk&gt;</c>,
/// <c>&lt;s&gt;</c>, <c>&lt;/s&gt;</c>, the 256 byte-fallback pieces <c>&lt;0x00&gt;</c>..<c>&lt;0xFF&gt;</c>,
/// then the pieces, higher scores merging first. The file is sentencepiece_model.proto's
/// ModelProto written field by field.
/// </summary>
internal static class SentencePieceModelFile
{
    public const string Mark = "\u2581";

    public const int UnknownId = 0;
    public const int BosId = 1;
    public const int EosId = 2;

    /// <summary>The pieces after the bytes, in id order; every merge step of the words used in tests.</summary>
    public static readonly string[] Pieces =
    [
        Mark, "H", "e", "l", "o", "w", "r", "d", "[", "]", "I", "N", "S", "T", "/", "i",
        Mark + "H", Mark + "He", "ll", "llo", Mark + "Hello", Mark + "w", "or", Mark + "wor", "ld", Mark + "world",
        Mark + "[", "IN", "ST", "INST", Mark + "Hi", "Hi",
    ];

    private const int NormalType = 1;
    private const int UnknownType = 2;
    private const int ControlType = 3;
    private const int ByteType = 6;
    private const int BpeModelType = 2;

    public static int PieceCount => 3 + 256 + Pieces.Length;

    public static int Id(string piece) => 3 + 256 + Array.IndexOf(Pieces, piece);

    public static int ByteId(byte value) => 3 + value;

    public static void Write(string path)
    {
        var pieces = new List<(string Piece, float Score, int Type)>
        {
            ("<unk>", 0, UnknownType),
            ("<s>", 0, ControlType),
            ("</s>", 0, ControlType),
        };
        for (var b = 0; b < 256; b++)
        {
            pieces.Add((string.Create(CultureInfo.InvariantCulture, $"<0x{b:X2}>"), 0, ByteType));
        }

        for (var i = 0; i < Pieces.Length; i++)
        {
            pieces.Add((Pieces[i], -i, NormalType));
        }

        var model = Message(output =>
        {
            foreach (var (piece, score, type) in pieces)
            {
                WriteMessage(output, 1, Message(p =>
                {
                    p.WriteTag(1, WireFormat.WireType.LengthDelimited);
                    p.WriteString(piece);
                    p.WriteTag(2, WireFormat.WireType.Fixed32);
                    p.WriteFloat(score);
                    p.WriteTag(3, WireFormat.WireType.Varint);
                    p.WriteEnum(type);
                }));
            }

            WriteMessage(output, 2, Message(trainer =>
            {
                trainer.WriteTag(3, WireFormat.WireType.Varint);
                trainer.WriteEnum(BpeModelType);
                trainer.WriteTag(4, WireFormat.WireType.Varint);
                trainer.WriteInt32(pieces.Count);
                trainer.WriteTag(35, WireFormat.WireType.Varint);
                trainer.WriteBool(true);
                trainer.WriteTag(40, WireFormat.WireType.Varint);
                trainer.WriteInt32(UnknownId);
                trainer.WriteTag(41, WireFormat.WireType.Varint);
                trainer.WriteInt32(BosId);
                trainer.WriteTag(42, WireFormat.WireType.Varint);
                trainer.WriteInt32(EosId);
            }));

            WriteMessage(output, 3, Message(normalizer =>
            {
                normalizer.WriteTag(1, WireFormat.WireType.LengthDelimited);
                normalizer.WriteString("identity");
                normalizer.WriteTag(3, WireFormat.WireType.Varint);
                normalizer.WriteBool(true);
                normalizer.WriteTag(4, WireFormat.WireType.Varint);
                normalizer.WriteBool(false);
                normalizer.WriteTag(5, WireFormat.WireType.Varint);
                normalizer.WriteBool(true);
            }));
        });

        File.WriteAllBytes(path, model);
    }

    private static void WriteMessage(CodedOutputStream output, int field, byte[] message)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(message));
    }

    private static byte[] Message(Action<CodedOutputStream> write)
    {
        using var memory = new MemoryStream();
        using (var output = new CodedOutputStream(memory, leaveOpen: true))
        {
            write(output);
        }

        return memory.ToArray();
    }
}
