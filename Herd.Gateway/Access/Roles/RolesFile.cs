using Herd.Gateway.Configuration.Yaml;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Herd.Gateway.Access.Roles;

/// <summary>
/// Reads the roles file, YAML with one top-level map <c>roles</c> from role name to settings
/// (see docs/access.md). Every problem in a file is reported at once, in a
/// <see cref="RolesFileException"/>.
/// </summary>
public static class RolesFile
{
    public const string RolesKey = "roles";

    /// <summary>Reads and parses the file at <paramref name="path"/>.</summary>
    /// <exception cref="RolesFileException">The file is missing, unreadable or invalid.</exception>
    public static IReadOnlyList<Role> Load(string path) => Parse(ReadText(path), path);

    /// <exception cref="RolesFileException">The file is missing or unreadable.</exception>
    internal static string ReadText(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new RolesFileException(path, [$"{path}: the file does not exist"], exception);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new RolesFileException(path, [$"{path}: the file cannot be read: {exception.Message}"], exception);
        }
    }

    /// <summary>Parses the text of a roles file; <paramref name="sourceName"/> starts each error message.</summary>
    /// <exception cref="RolesFileException">The text is not a valid roles file.</exception>
    public static IReadOnlyList<Role> Parse(string yaml, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceName);
        var errors = new RolesFileErrors(sourceName);
        var roles = new List<Role>();
        if (ReadRoleMap(yaml, errors) is { } map)
        {
            foreach (var (nameNode, body) in map.Children)
            {
                if (ReadName(nameNode, errors) is { } name && RoleReader.Read(name, body, errors) is { } role)
                {
                    roles.Add(role);
                }
            }
        }

        errors.ThrowIfAny();
        return roles;
    }

    private static YamlMappingNode? ReadRoleMap(string yaml, RolesFileErrors errors)
    {
        var errorsBefore = errors.Count;
        var rootNode = SingleYamlDocument.LoadRoot(yaml, errors, "a role, or a setting of one, may appear once", $"write one, with the '{RolesKey}' map");
        if (errors.Count > errorsBefore)
        {
            return null;
        }

        const string Expected = $"a '{RolesKey}' map with at least one role, such as 'roles: {{ admin: {{ allow_methods: [\"*\"] }} }}'";
        if (rootNode is null)
        {
            errors.Add((Mark?)null, $"the file is empty; it must hold {Expected}");
            return null;
        }

        if (rootNode is not YamlMappingNode root)
        {
            errors.Add(rootNode, $"the file must hold {Expected}, not {YamlValues.Show(rootNode)}");
            return null;
        }

        YamlMappingNode? map = null;
        foreach (var (key, value) in root.Children)
        {
            if (key is YamlScalarNode { Value: RolesKey })
            {
                map = value as YamlMappingNode;
                if (map is not { Children.Count: > 0 })
                {
                    errors.Add(value, $"'{RolesKey}' must be a map with at least one role, not {YamlValues.Show(value)}");
                }
            }
            else
            {
                errors.Add(key, $"unknown top-level key {YamlValues.Show(key)}; the file holds only '{RolesKey}'");
            }
        }

        if (!root.Children.ContainsKey(new YamlScalarNode(RolesKey)))
        {
            errors.Add(root, $"the '{RolesKey}' map is missing; the file must hold {Expected}");
        }

        return map;
    }

    private static string? ReadName(YamlNode nameNode, RolesFileErrors errors)
    {
        if (nameNode is YamlScalarNode { Value: { } name } && Role.IsValidName(name))
        {
            return name;
        }

        errors.Add(nameNode, $"role name {YamlValues.Show(nameNode)} is not allowed; a role name is 1 to 63 lowercase letters, digits, '_' or '-', starting with a letter");
        return null;
    }
}
