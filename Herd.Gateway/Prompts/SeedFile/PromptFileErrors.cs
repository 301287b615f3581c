using Herd.Gateway.Configuration.Yaml;

namespace Herd.Gateway.Prompts.SeedFile;

/// <summary>A prompts file's problems, thrown together as a <see cref="PromptFileException"/>.</summary>
internal sealed class PromptFileErrors(string sourceName) : YamlFileErrors(sourceName)
{
    public void ThrowIfAny()
    {
        if (Count > 0)
        {
            throw new PromptFileException(SourceName, Messages.ToArray());
        }
    }
}
