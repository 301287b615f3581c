using Herd.Contracts.V1;
using Herd.Gateway.Configuration.Yaml;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Herd.Gateway.Prompts.SeedFile;

/// <summary>
/// Reads the prompts file an operator seeds the repository from: YAML with one top-level map from
/// prompt id to its definition (see docs/prompts.md). Every problem in a file is reported at once,
/// with its line and column, in a <see cref="PromptFileException"/>.
/// </summary>
public static class PromptFile
{
    /// <summary>Reads and parses the file at <paramref name="path"/>.</summary>
    /// <exception cref="PromptFileException">The file is missing, unreadable or invalid.</exception>
    public static IReadOnlyList<PromptDefinition> Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new PromptFileException(path, [$"{path}: the file does not exist"]);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new PromptFileException(path, [$"{path}: the file cannot be read: {exception.Message}"]);
        }

        return Parse(text, path);
    }

    /// <summary>Parses the text of a prompts file; <paramref name="sourceName"/> starts each error message.</summary>
    /// <exception cref="PromptFileException">The text is not a valid prompts file.</exception>
    public static IReadOnlyList<PromptDefinition> Parse(string yaml, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceName);
        var errors = new PromptFileErrors(sourceName);
        var definitions = new List<PromptDefinition>();
        if (ReadRoot(yaml, errors) is { } root)
        {
            foreach (var (idNode, body) in root.Children)
            {
                if (PromptReader.Read(idNode, body, errors) is { } definition)
                {
                    definitions.Add(definition);
                }
            }
        }

        errors.ThrowIfAny();
        return definitions;
    }

    private static YamlMappingNode? ReadRoot(string yaml, PromptFileErrors errors)
    {
        var root = SingleYamlDocument.LoadRoot(
            yaml,
            errors,
            "a prompt, or a setting of one, may appear once (publish a new version under one id with another version)",
            "write one map from prompt id to prompt");
        switch (root)
        {
            case null:
                // Nothing, or nothing readable (reported): an operator may keep an empty file to fill later.
                return null;
            case YamlMappingNode map:
                return map;
            default:
                errors.Add(root, $"the file must hold a map from prompt id to prompt, such as 'summarize: {{ name: ..., prompt: ... }}', not {YamlValues.Show(root)}");
                return null;
        }
    }
}
