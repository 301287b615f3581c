using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Herd.Contracts.V1;
using Herd.Gateway.Ledger;

namespace Herd.Gateway.Prompts.Repository;

/// <summary>Maps a prompt version between the ledger's row and the API's messages.</summary>
internal static class PromptRecords
{
    private static readonly JsonFormatter SamplingFormatter = new(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true));

    /// <param name="variables">the variables to keep: the definition's own, or a chain's, gathered from its steps</param>
    public static PromptVersionRecord ToRecord(PromptDefinition definition, IReadOnlyList<PromptVariable> variables, DateTimeOffset publishedAt, string? publishedBy) => new()
    {
        PromptId = definition.Id,
        Version = definition.Version,
        Stage = definition.Stage,
        Name = definition.Name,
        Description = definition.Description,
        TargetModels = [.. definition.TargetModels],
        VariablesJson = JsonSerializer.Serialize(variables.Select(variable => new StoredVariable(variable.Name, variable.DefaultValue)).ToList(), StoredPartsJson.Default.ListStoredVariable),
        Template = definition.Template,
        SamplingJson = SamplingFormatter.Format(definition.Sampling ?? new SamplingParams()),
        StepsJson = JsonSerializer.Serialize(definition.Steps.Select(step => new StoredStep(step.PromptId, NullIfEmpty(step.Version), NullIfEmpty(step.OutputVariable))).ToList(), StoredPartsJson.Default.ListStoredStep),
        PublishedAt = publishedAt,
        PublishedBy = publishedBy,
    };

    public static PromptVersion ToMessage(PromptVersionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var definition = new PromptDefinition
        {
            Id = record.PromptId,
            Name = record.Name,
            Description = record.Description,
            Version = record.Version,
            Stage = record.Stage,
            Template = record.Template,
            Sampling = JsonParser.Default.Parse<SamplingParams>(record.SamplingJson),
        };
        definition.TargetModels.Add(record.TargetModels);
        definition.Variables.Add(Variables(record).Select(variable => new PromptVariable { Name = variable.Name, DefaultValue = variable.Default }));
        definition.Steps.Add(Steps(record).Select(step => new ChainStep { PromptId = step.Prompt, Version = step.Version ?? string.Empty, OutputVariable = step.Output ?? string.Empty }));
        var version = new PromptVersion
        {
            Definition = definition,
            PublishedAt = Timestamp.FromDateTimeOffset(record.PublishedAt),
            PublishedBy = record.PublishedBy ?? string.Empty,
        };
        if (record.RetiredAt is { } retiredAt)
        {
            version.RetiredAt = Timestamp.FromDateTimeOffset(retiredAt);
        }

        return version;
    }

    public static IReadOnlyList<StoredVariable> Variables(PromptVersionRecord record) =>
        JsonSerializer.Deserialize(record.VariablesJson, StoredPartsJson.Default.ListStoredVariable) ?? [];

    public static IReadOnlyList<StoredStep> Steps(PromptVersionRecord record) =>
        JsonSerializer.Deserialize(record.StepsJson, StoredPartsJson.Default.ListStoredStep) ?? [];

    /// <summary>Whether a definition says what the stored version of its id and version says (the seed file's versions are compared with what is stored); a chain's variables are gathered from its steps, so only a prompt's are compared.</summary>
    public static bool SameContent(PromptVersionRecord stored, PromptDefinition definition)
    {
        var candidate = ToRecord(definition, definition.Variables, stored.PublishedAt, stored.PublishedBy);
        return stored.Stage == candidate.Stage
            && stored.Name == candidate.Name
            && stored.Description == candidate.Description
            && stored.TargetModels.SequenceEqual(candidate.TargetModels, StringComparer.Ordinal)
            && stored.Template == candidate.Template
            && JsonParser.Default.Parse<SamplingParams>(stored.SamplingJson).Equals(JsonParser.Default.Parse<SamplingParams>(candidate.SamplingJson))
            && (definition.Steps.Count > 0 || Variables(stored).SequenceEqual(Variables(candidate)))
            && Steps(stored).SequenceEqual(Steps(candidate));
    }

    private static string? NullIfEmpty(string text) => text.Length == 0 ? null : text;
}
