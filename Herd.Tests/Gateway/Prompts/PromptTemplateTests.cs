using Herd.Gateway.Prompts.Templates;

namespace Herd.Tests.Gateway.Prompts;

public sealed class PromptTemplateTests
{
    [Fact]
    public void Render_EscapesNothing()
    {
        var template = PromptTemplate.Parse("Q: {{question}} & {{quote}}");

        var text = template.Render(new Dictionary<string, string> { ["question"] = "<b>1 < 2</b>", ["quote"] = "\"it's\" & more" });

        Assert.Equal("Q: <b>1 < 2</b> & \"it's\" & more", text);
    }

    [Fact]
    public void Render_ValueWithTags_StaysLiteral()
    {
        var template = PromptTemplate.Parse("{{a}}|{{b}}");

        var text = template.Render(new Dictionary<string, string> { ["a"] = "{{b}}", ["b"] = "secret" });

        Assert.Equal("{{b}}|secret", text);
    }

    [Theory]
    [InlineData("x", "[with x]")]
    [InlineData("", "[none]")]
    public void Render_Sections_FollowWhetherTheValueIsEmpty(string value, string expected)
    {
        var template = PromptTemplate.Parse("[{{#note}}with {{note}}{{/note}}{{^note}}none{{/note}}]");

        Assert.Equal(expected, template.Render(new Dictionary<string, string> { ["note"] = value }));
    }

    [Fact]
    public void Parse_ListsEachVariableOnceInOrder()
    {
        var template = PromptTemplate.Parse("{{b}} {{a}} {{#c}}{{b}}{{d}}{{/c}} {{{e}}} {{! not a variable }}");

        Assert.Equal(["b", "a", "c", "d", "e"], template.Variables);
    }

    [Theory]
    [InlineData("{{#a}}never closed", "not valid mustache")]
    [InlineData("{{>header}}", "partial")]
    [InlineData("{{user.name}}", "without '.'")]
    public void Parse_Refuses(string text, string expected)
    {
        var error = Assert.Throws<FormatException>(() => PromptTemplate.Parse(text));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
