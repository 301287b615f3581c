using Herd.Gateway.Configuration.Yaml;

namespace Herd.Gateway.Access.Roles;

/// <summary>A roles file's problems, thrown together as a <see cref="RolesFileException"/>.</summary>
internal sealed class RolesFileErrors(string sourceName) : YamlFileErrors(sourceName)
{
    public void ThrowIfAny()
    {
        if (Count > 0)
        {
            throw new RolesFileException(SourceName, Messages.ToArray());
        }
    }
}
