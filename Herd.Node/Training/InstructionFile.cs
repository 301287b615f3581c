using System.Text.Json;

namespace Herd.Node.Training;

/// <summary>
/// Reads a JSONL file of instruction/response pairs: one JSON object a line, with
/// <c>instruction</c> (or <c>prompt</c>; an <c>input</c> field is appended to it) and
/// <c>response</c> (or <c>output</c>, or <c>completion</c>). Blank lines are skipped.
/// </summary>
public static class InstructionFile
{
    private static readonly string[] InstructionFields = ["instruction", "prompt"];
    private static readonly string[] ResponseFields = ["response", "output", "completion"];

    /// <exception cref="InvalidDataException">The file is missing, a line is not such an object, or it holds no pairs; the message names the line.</exception>
    public static IReadOnlyList<InstructionPair> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"The training file {path} does not exist.");
        }

        var pairs = new List<InstructionPair>();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            pairs.Add(Parse(line, $"{path}:{number}"));
        }

        if (pairs.Count == 0)
        {
            throw new InvalidDataException($"{path} holds no instruction/response pairs.");
        }

        return pairs;
    }

    private static InstructionPair Parse(string line, string where)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(line);
            root = document.RootElement.Clone();
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"{where}: not a JSON object: {error.Message}", error);
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"{where}: each line must be a JSON object with an instruction and a response.");
        }

        var instruction = Field(root, InstructionFields, where);
        var response = Field(root, ResponseFields, where);
        if (root.TryGetProperty("input", out var input) && input.ValueKind == JsonValueKind.String && input.GetString()!.Length > 0)
        {
            instruction += "\n\n" + input.GetString();
        }

        return new InstructionPair(instruction, response);
    }

    private static string Field(JsonElement root, string[] names, string where)
    {
        foreach (var name in names)
        {
            if (root.TryGetProperty(name, out var value))
            {
                return value.ValueKind == JsonValueKind.String && value.GetString()!.Length > 0
                    ? value.GetString()!
                    : throw new InvalidDataException($"{where}: '{name}' must be a non-empty string.");
            }
        }

        throw new InvalidDataException($"{where}: the object has no {string.Join(" or ", names.Select(name => $"'{name}'"))}.");
    }
}
