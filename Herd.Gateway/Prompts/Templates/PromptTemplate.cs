using Stubble.Core;
using Stubble.Core.Builders;
using Stubble.Core.Exceptions;
using Stubble.Core.Parser;
using Stubble.Core.Settings;
using Stubble.Core.Tokens;

namespace Herd.Gateway.Prompts.Templates;

/// <summary>
/// A prompt's mustache template: <c>{{variable}}</c> takes a variable's value as it is (nothing is
/// escaped: a prompt is not HTML), <c>{{#variable}}...{{/variable}}</c> keeps its text only when
/// the value is not empty, <c>{{^variable}}...{{/variable}}</c> only when it is. Partials are
/// refused: a prompt is one text. Values are never read as templates, so a caller's text cannot
/// reach another variable.
/// </summary>
public sealed class PromptTemplate
{
    public const int MaxLength = 100_000;

    private static readonly RendererSettings Settings = new RendererSettingsBuilder().BuildSettings();

    private static readonly StubbleVisitorRenderer Renderer = new StubbleBuilder()
        .Configure(settings => settings
            .SetEncodingFunction(text => text)
            .SetIgnoreCaseOnKeyLookup(false))
        .Build();

    private readonly string _text;

    private PromptTemplate(string text, IReadOnlyList<string> variables)
    {
        _text = text;
        Variables = variables;
    }

    /// <summary>The variables the template names, each once, in the order they first appear.</summary>
    public IReadOnlyList<string> Variables { get; }

    /// <summary>Parses a template.</summary>
    /// <exception cref="FormatException">The template is not valid mustache, or uses a partial or dotted name; the message says where.</exception>
    public static PromptTemplate Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        MustacheTemplate document;
        try
        {
            document = new InstanceMustacheParser().Parse(text, Settings.DefaultTags, 0, Settings.ParserPipeline);
        }
        catch (StubbleException exception)
        {
            throw new FormatException($"the template is not valid mustache: {exception.Message}", exception);
        }

        var names = new List<string>();
        Collect(document, names);
        return new PromptTemplate(text, names);
    }

    /// <summary>The prompt's text with each variable's value in its place; a variable missing from <paramref name="values"/> is empty.</summary>
    public string Render(IReadOnlyDictionary<string, string> values) => Fill(_text, values);

    /// <summary>
    /// Fills a template already checked when it was published, without listing its variables again
    /// on each call.
    /// </summary>
    public static string Fill(string template, IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(values);
        var view = values.ToDictionary(pair => pair.Key, pair => (object)pair.Value, StringComparer.Ordinal);
        return Renderer.Render(template, view);
    }

    private static void Collect(BlockToken block, List<string> names)
    {
        foreach (var token in block.Children)
        {
            switch (token)
            {
                case PartialToken partial:
                    throw new FormatException($"the template includes a partial ({{{{>{partial.Content}}}}}); a prompt is one template, write the text in it");
                case InterpolationToken interpolation:
                    Add(interpolation.Content.ToString().Trim(), names);
                    break;
                case SectionToken section:
                    Add(section.SectionName.Trim(), names);
                    Collect(section, names);
                    break;
                case InvertedSectionToken inverted:
                    Add(inverted.SectionName.Trim(), names);
                    Collect(inverted, names);
                    break;
                case BlockToken nested:
                    Collect(nested, names);
                    break;
            }
        }
    }

    private static void Add(string name, List<string> names)
    {
        if (name.Contains('.', StringComparison.Ordinal))
        {
            throw new FormatException($"the template names '{name}'; variables are plain names, without '.'");
        }

        if (!names.Contains(name, StringComparer.Ordinal))
        {
            names.Add(name);
        }
    }
}
