using Herd.Gateway.Prompts.SeedFile;

namespace Herd.Tests.Gateway.Prompts;

public sealed class PromptFileTests
{
    private const string Source = "test-prompts.yaml";

    /// <summary>The shape operators write, as the prompt repository's documentation shows it.</summary>
    private const string EntityRecognition = """
        llama_2_entity_recognition:
          name: Llama 2 entity recognition
          description: Returns a JSON object mapping each class to the entities found in the text.
          target_models: [llama-2-13b-chat]
          version: 1.0
          variables:
            - system_message: You are an intelligent and helpful expert ...
            - categories: "[person, year, food]"
            - text: Hanna's favorite dish was sushi ...
          prompt: |-
            [INST]
            <<SYS>>
            {{system_message}}
            <</SYS>>
            {{categories}}
            {{text}}
            [/INST]
          param:
            temperature: 0.1
        """;

    [Fact]
    public void Parse_TheDocumentedShape_ReadsEveryField()
    {
        var prompt = Assert.Single(PromptFile.Parse(EntityRecognition, Source));

        Assert.Equal(("llama_2_entity_recognition", "Llama 2 entity recognition", "1.0", "prod"), (prompt.Id, prompt.Name, prompt.Version, prompt.Stage));
        Assert.StartsWith("Returns a JSON object", prompt.Description, StringComparison.Ordinal);
        Assert.Equal(["llama-2-13b-chat"], prompt.TargetModels);
        Assert.Equal(
            [("system_message", "You are an intelligent and helpful expert ..."), ("categories", "[person, year, food]"), ("text", "Hanna's favorite dish was sushi ...")],
            prompt.Variables.Select(variable => (variable.Name, variable.DefaultValue)));
        Assert.Equal("[INST]\n<<SYS>>\n{{system_message}}\n<</SYS>>\n{{categories}}\n{{text}}\n[/INST]", prompt.Template);
        Assert.Equal(0.1f, prompt.Sampling.Temperature);
        Assert.False(prompt.Sampling.HasMaxTokens);
    }

    [Fact]
    public void Parse_Chain_ReadsItsSteps()
    {
        var prompts = PromptFile.Parse("""
            chained:
              name: Two steps
              stage: test
              steps:
                - prompt: summarize
                  output: summary
                - { prompt: headline, version: "2" }
            """, Source);

        var chain = Assert.Single(prompts);
        Assert.Equal("test", chain.Stage);
        Assert.Equal([("summarize", "", "summary"), ("headline", "2", "")], chain.Steps.Select(step => (step.PromptId, step.Version, step.OutputVariable)));
    }

    [Fact]
    public void Parse_SamplingSettings_ReadByTheirProtoNames()
    {
        var prompt = Assert.Single(PromptFile.Parse("""
            p:
              name: P
              prompt: hi
              param: { temperature: 0.5, top_k: 40, max_tokens: 12, seed: 7, stop: ["\n", END] }
            """, Source));

        Assert.Equal((0.5f, 40, 12, 7UL), (prompt.Sampling.Temperature, prompt.Sampling.TopK, prompt.Sampling.MaxTokens, prompt.Sampling.Seed));
        Assert.Equal(["\n", "END"], prompt.Sampling.Stop);
    }

    [Fact]
    public void Parse_EmptyFile_SeedsNothing() => Assert.Empty(PromptFile.Parse("# nothing yet\n", Source));

    [Fact]
    public void Load_TheShippedExamples_AreValid()
    {
        var prompts = PromptFile.Load(Path.Combine(AppContext.BaseDirectory, "prompts.yaml"));

        Assert.Contains(prompts, prompt => prompt.Steps.Count == 2);
        Assert.All(prompts.Where(prompt => prompt.Steps.Count == 0), prompt => Assert.Equal(["herd-tiny"], prompt.TargetModels));
        Assert.All(prompts.Where(prompt => prompt.Steps.Count == 0), prompt => Assert.True(prompt.Sampling.HasMaxTokens, $"{prompt.Id} bounds its answer"));
    }

    [Fact]
    public void Parse_SeveralProblems_ReportsEachWithItsLine()
    {
        var error = Assert.Throws<PromptFileException>(() => PromptFile.Parse("""
            good:
              name: Good
              prompt: "{{a}}"
              variables: [a: x]
            bad:
              name: Bad
              colour: blue
              prompt: hi
            Wrong-Id:
              name: W
              prompt: hi
            """, Source));

        Assert.Collection(
            error.Errors,
            line => Assert.StartsWith($"{Source}:7:3: prompt 'bad': unknown key 'colour'", line, StringComparison.Ordinal),
            line => Assert.StartsWith($"{Source}:9:1: prompt id 'Wrong-Id' is not allowed", line, StringComparison.Ordinal));
        Assert.Contains("Herd:Gateway:Prompts:SeedFile", error.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string[]> BadFiles => new()
    {
        { "[a, b]\n", ["1:1", "a map from prompt id to prompt", "not a list"] },
        { "p:\n  name: P\n  prompt: hi\n---\nq: {}\n", ["2 YAML documents"] },
        { "p: [\n", ["not valid YAML"] },
        { "p:\n  name: P\n  prompt: a\np:\n  name: Q\n  prompt: b\n", ["'p' is written twice"] },
        { "p: hello\n", ["1:4", "prompt 'p' must be a map"] },
        { "p:\n  name: P\n  prompt: \"{{x}}\"\n", ["1:1", "prompt uses {{x}}", "declare it"] },
        { "p:\n  name: P\n  prompt: hi\n  variables:\n    - x: 1\n", ["variable 'x' is declared but the prompt never uses it"] },
        { "p:\n  name: P\n  prompt: hi\n  variables: {x: 1}\n", ["4:14", "variables must be a list"] },
        { "p:\n  name: P\n  prompt: \"{{x}}\"\n  variables:\n    - x: [a, b]\n", ["5:10", "variables: x must be text", "quote it"] },
        { "p:\n  name: P\n  prompt: \"{{x}}\"\n  variables:\n    - 9x: a\n", ["5:7", "variable name '9x'"] },
        { "p:\n  name: P\n  prompt: hi\n  param:\n    temprature: 0.1\n", ["5:5", "unknown setting 'temprature'", "temperature"] },
        { "p:\n  name: P\n  prompt: hi\n  param:\n    max_tokens: lots\n", ["5:17", "max_tokens cannot be 'lots'"] },
        { "p:\n  name: P\n  prompt: hi\n  param:\n    top_p: 1.5\n", ["param: top_p must be in (0, 1]"] },
        { "p:\n  name: P\n  prompt: \"{{#x}}open\"\n  variables:\n    - x: a\n", ["not valid mustache"] },
        { "p:\n  name: P\n  prompt: \"{{>other}}\"\n", ["partial"] },
        { "p:\n  prompt: hi\n", ["name must have 1 to 200 characters"] },
        { "p:\n  name: P\n", ["prompt (the template) must have 1 to 100000 characters"] },
        { "p:\n  name: P\n  version: \"1 0\"\n  prompt: hi\n", ["version '1 0' is not allowed"] },
        { "p:\n  name: P\n  stage: Prod\n  prompt: hi\n", ["stage 'Prod' is not allowed"] },
        { "c:\n  name: C\n  steps:\n    - prompt: a\n", ["a chain has 2 to 8 steps, not 1"] },
        { "c:\n  name: C\n  steps:\n    - prompt: a\n    - prompt: b\n", ["step 1: output '' must name the variable"] },
        { "c:\n  name: C\n  steps:\n    - { prompt: a, output: x }\n    - { prompt: b, output: y }\n", ["step 2: the last step's answer is the chain's"] },
        { "c:\n  name: C\n  prompt: hi\n  steps:\n    - { prompt: a, output: x }\n    - prompt: b\n", ["a chain has steps or a prompt"] },
        { "c:\n  name: C\n  steps:\n    - { prompt: a, output: x, model: m }\n    - prompt: b\n", ["4:31", "unknown step key 'model'"] },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Parse_BadFile_IsRefusedNamingTheProblem(string yaml, string[] expected)
    {
        var error = Assert.Throws<PromptFileException>(() => PromptFile.Parse(yaml, Source));

        var message = string.Join("\n", error.Errors);
        Assert.All(expected, part => Assert.Contains(part, message, StringComparison.Ordinal));
        Assert.All(error.Errors, line => Assert.StartsWith(Source + ":", line, StringComparison.Ordinal));
    }

    [Fact]
    public void Load_MissingFile_SaysSo()
    {
        var path = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.yaml");

        var error = Assert.Throws<PromptFileException>(() => PromptFile.Load(path));

        Assert.Contains("does not exist", Assert.Single(error.Errors), StringComparison.Ordinal);
    }
}
