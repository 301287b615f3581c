using Google.Protobuf;
using Herd.Contracts.V1;
using Herd.Gateway.Configuration.Yaml;
using Herd.Gateway.Prompts.Definitions;
using YamlDotNet.RepresentationModel;

namespace Herd.Gateway.Prompts.SeedFile;

/// <summary>Reads one prompt of the prompts file, reporting every problem it finds where it is.</summary>
internal static class PromptReader
{
    public const string Name = "name";
    public const string Description = "description";
    public const string TargetModels = "target_models";
    public const string Version = "version";
    public const string Stage = "stage";
    public const string Variables = "variables";
    public const string Prompt = "prompt";
    public const string Param = "param";
    public const string Steps = "steps";

    private const string StepPrompt = "prompt";
    private const string StepVersion = "version";
    private const string StepOutput = "output";

    private static readonly string KnownKeys = string.Join(", ", Name, Description, TargetModels, Version, Stage, Variables, Prompt, Param, Steps);

    public static PromptDefinition? Read(YamlNode idNode, YamlNode body, PromptFileErrors errors)
    {
        var errorsBefore = errors.Count;
        var id = (idNode as YamlScalarNode)?.Value;
        if (!PromptNames.IsId(id))
        {
            errors.Add(idNode, $"prompt id {YamlValues.Show(idNode)} is not allowed; an id is {PromptNames.IdShape}");
            return null;
        }

        if (body is not YamlMappingNode settings)
        {
            errors.Add(body, $"prompt '{id}' must be a map with at least a name and a prompt (or steps), not {YamlValues.Show(body)}");
            return null;
        }

        var definition = new PromptDefinition { Id = id!, Version = VersionLabels.First, Stage = PromptNames.SeedStage };
        foreach (var (keyNode, value) in settings.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value;
            var field = $"prompt '{id}': {key}";
            switch (key)
            {
                case Name:
                    definition.Name = Text(value, field, errors) ?? string.Empty;
                    break;
                case Description:
                    definition.Description = Text(value, field, errors) ?? string.Empty;
                    break;
                case TargetModels:
                    definition.TargetModels.Add(Texts(value, field, errors));
                    break;
                case Version:
                    definition.Version = Text(value, field, errors) ?? definition.Version;
                    break;
                case Stage:
                    definition.Stage = Text(value, field, errors) ?? definition.Stage;
                    break;
                case Variables:
                    definition.Variables.Add(ReadVariables(value, field, errors));
                    break;
                case Prompt:
                    definition.Template = Text(value, field, errors) ?? string.Empty;
                    break;
                case Param:
                    definition.Sampling = ReadSampling(value, field, errors);
                    break;
                case Steps:
                    definition.Steps.Add(ReadSteps(value, field, errors));
                    break;
                default:
                    errors.Add(keyNode, $"prompt '{id}': unknown key {YamlValues.Show(keyNode)}; a prompt may have {KnownKeys}");
                    break;
            }
        }

        if (errors.Count > errorsBefore)
        {
            return null;
        }

        // The rules the API applies, reported at the prompt's line.
        foreach (var problem in PromptDefinitionRules.Problems(definition))
        {
            errors.Add(idNode, $"prompt '{id}': {problem}");
        }

        return errors.Count > errorsBefore ? null : definition;
    }

    private static string? Text(YamlNode value, string field, PromptFileErrors errors)
    {
        if (value is YamlScalarNode { Value: { } text } && !YamlValues.IsNull(value))
        {
            return text;
        }

        errors.Add(value, $"{field} must be text, not {YamlValues.Show(value)}; quote it if it holds ':', '[' or '{{'");
        return null;
    }

    private static List<string> Texts(YamlNode value, string field, PromptFileErrors errors)
    {
        if (value is not YamlSequenceNode list)
        {
            errors.Add(value, $"{field} must be a list such as [llama-3.2-1b-instruct], not {YamlValues.Show(value)}");
            return [];
        }

        return list.Children.Select(item => Text(item, field, errors)).OfType<string>().ToList();
    }

    /// <summary>A list of one-key maps, <c>- name: default</c>, so that the form shows them in the order written.</summary>
    private static List<PromptVariable> ReadVariables(YamlNode value, string field, PromptFileErrors errors)
    {
        if (value is not YamlSequenceNode list)
        {
            errors.Add(value, $"{field} must be a list of '- name: default value' items, not {YamlValues.Show(value)}");
            return [];
        }

        var variables = new List<PromptVariable>();
        foreach (var item in list.Children)
        {
            if (item is not YamlMappingNode { Children.Count: 1 } pair)
            {
                errors.Add(item, $"{field}: each item is one '- name: default value', not {YamlValues.Show(item)}");
                continue;
            }

            var (nameNode, defaultNode) = pair.Children.Single();
            var name = (nameNode as YamlScalarNode)?.Value;
            if (!PromptNames.IsVariable(name))
            {
                errors.Add(nameNode, $"{field}: variable name {YamlValues.Show(nameNode)} is not allowed; a variable name is {PromptNames.VariableShape}");
                continue;
            }

            // A variable written with nothing after the colon has an empty default.
            var defaultValue = YamlValues.IsNull(defaultNode) ? string.Empty : Text(defaultNode, $"{field}: {name}", errors);
            if (defaultValue is not null)
            {
                variables.Add(new PromptVariable { Name = name!, DefaultValue = defaultValue });
            }
        }

        return variables;
    }

    /// <summary>Sampling settings by their names in <c>SamplingParams</c> (temperature, top_p, max_tokens, stop...), each read on its own so that an error names its line.</summary>
    private static SamplingParams ReadSampling(YamlNode value, string field, PromptFileErrors errors)
    {
        var sampling = new SamplingParams();
        if (value is not YamlMappingNode map)
        {
            errors.Add(value, $"{field} must be a map of sampling settings such as {{ temperature: 0.1, max_tokens: 200 }}, not {YamlValues.Show(value)}");
            return sampling;
        }

        foreach (var (keyNode, setting) in map.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? string.Empty;
            if (SamplingParams.Descriptor.FindFieldByName(key) is null)
            {
                var known = string.Join(", ", SamplingParams.Descriptor.Fields.InDeclarationOrder().Select(known => known.Name));
                errors.Add(keyNode, $"{field}: unknown setting {YamlValues.Show(keyNode)}; param may have {known}");
                continue;
            }

            try
            {
                sampling.MergeFrom(JsonParser.Default.Parse<SamplingParams>($"{{{Quoted(key)}: {Json(setting)}}}"));
            }
            catch (Exception exception) when (exception is InvalidProtocolBufferException or InvalidJsonException or FormatException)
            {
                errors.Add(setting, $"{field}: {key} cannot be {YamlValues.Show(setting)}: {exception.Message}");
            }
        }

        return sampling;
    }

    private static List<ChainStep> ReadSteps(YamlNode value, string field, PromptFileErrors errors)
    {
        if (value is not YamlSequenceNode list)
        {
            errors.Add(value, $"{field} must be a list of steps such as '- {{ prompt: summarize, output: summary }}', not {YamlValues.Show(value)}");
            return [];
        }

        var steps = new List<ChainStep>();
        foreach (var item in list.Children)
        {
            if (item is not YamlMappingNode settings)
            {
                errors.Add(item, $"{field}: each step is a map with 'prompt' and, but for the last, 'output'; not {YamlValues.Show(item)}");
                continue;
            }

            var step = new ChainStep();
            foreach (var (keyNode, setting) in settings.Children)
            {
                var key = (keyNode as YamlScalarNode)?.Value;
                switch (key)
                {
                    case StepPrompt:
                        step.PromptId = Text(setting, $"{field}: {key}", errors) ?? string.Empty;
                        break;
                    case StepVersion:
                        step.Version = Text(setting, $"{field}: {key}", errors) ?? string.Empty;
                        break;
                    case StepOutput:
                        step.OutputVariable = Text(setting, $"{field}: {key}", errors) ?? string.Empty;
                        break;
                    default:
                        errors.Add(keyNode, $"{field}: unknown step key {YamlValues.Show(keyNode)}; a step may have {StepPrompt}, {StepVersion}, {StepOutput}");
                        break;
                }
            }

            steps.Add(step);
        }

        return steps;
    }

    /// <summary>A YAML value as the JSON protobuf's parser reads: scalars as strings (it reads numbers from strings too), lists as arrays, maps as objects.</summary>
    private static string Json(YamlNode node) => node switch
    {
        YamlSequenceNode list => "[" + string.Join(", ", list.Children.Select(Json)) + "]",
        YamlMappingNode map => "{" + string.Join(", ", map.Children.Select(pair => $"{Quoted((pair.Key as YamlScalarNode)?.Value ?? string.Empty)}: {Json(pair.Value)}")) + "}",
        YamlScalarNode scalar => Quoted(scalar.Value ?? string.Empty),
        _ => "null",
    };

    private static string Quoted(string text) => System.Text.Json.JsonSerializer.Serialize(text);
}
