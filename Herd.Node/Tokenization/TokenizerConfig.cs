using System.Globalization;
using System.Text.Json;
using Herd.Node.Model;

namespace Herd.Node.Tokenization;

/// <summary>The parts of a Hugging Face <c>tokenizer_config.json</c> Herd reads; every one may be absent.</summary>
internal sealed record TokenizerConfig
{
    public const string FileName = "tokenizer_config.json";

    /// <summary>Newer folders keep the chat template in a file of its own.</summary>
    public const string ChatTemplateFileName = "chat_template.jinja";

    public string? BosToken { get; init; }

    public string? EosToken { get; init; }

    public bool? AddBosToken { get; init; }

    /// <summary>False where the tokenizer was saved with <c>legacy: false</c> (no mark after special tokens).</summary>
    public bool? Legacy { get; init; }

    public string? ChatTemplate { get; init; }

    public IReadOnlyList<AddedToken> AddedTokens { get; init; } = [];

    public static TokenizerConfig Read(string modelFolder)
    {
        var path = Path.Combine(modelFolder, FileName);
        var config = File.Exists(path) ? Parse(path) : new TokenizerConfig();
        var templatePath = Path.Combine(modelFolder, ChatTemplateFileName);
        if (config.ChatTemplate is null && File.Exists(templatePath))
        {
            config = config with { ChatTemplate = File.ReadAllText(templatePath) };
        }

        return config;
    }

    private static TokenizerConfig Parse(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ModelLoadException($"{path} is not a JSON object.");
            }

            return new TokenizerConfig
            {
                BosToken = TokenContent(root, "bos_token"),
                EosToken = TokenContent(root, "eos_token"),
                AddBosToken = Boolean(root, "add_bos_token"),
                Legacy = Boolean(root, "legacy"),
                ChatTemplate = ChatTemplateText(root, path),
                AddedTokens = AddedTokensDecoder(root, path),
            };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new ModelLoadException($"{path} is not a valid tokenizer configuration: {e.Message}", e);
        }
    }

    /// <summary>A token given as a string or as an object with <c>content</c>.</summary>
    private static string? TokenContent(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Object when value.TryGetProperty("content", out var content) => content.GetString(),
            _ => null,
        };
    }

    private static bool? Boolean(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? value.GetBoolean()
            : null;

    /// <summary>A template string, or a list of named templates of which Herd uses "default".</summary>
    private static string? ChatTemplateText(JsonElement root, string path)
    {
        if (!root.TryGetProperty("chat_template", out var value))
        {
            return null;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return value.GetString();
            case JsonValueKind.Array:
                foreach (var named in value.EnumerateArray())
                {
                    if (named.TryGetProperty("name", out var name) && name.GetString() == "default"
                        && named.TryGetProperty("template", out var template))
                    {
                        return template.GetString();
                    }
                }

                throw new ModelLoadException($"{path}: chat_template is a list of named templates without one named \"default\".");
            default:
                return null;
        }
    }

    private static List<AddedToken> AddedTokensDecoder(JsonElement root, string path)
    {
        if (!root.TryGetProperty("added_tokens_decoder", out var decoder) || decoder.ValueKind != JsonValueKind.Object)
        {
            return [];
        }

        return decoder.EnumerateObject()
            .Select(entry => new AddedToken(
                int.Parse(entry.Name, NumberStyles.None, CultureInfo.InvariantCulture),
                entry.Value.TryGetProperty("content", out var content)
                    ? content.GetString() ?? string.Empty
                    : throw new ModelLoadException($"{path}: added token {entry.Name} has no content."),
                entry.Value.TryGetProperty("special", out var special) && special.ValueKind == JsonValueKind.True))
            .ToList();
    }
}
