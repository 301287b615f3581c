using Herd.Gateway.Access.Roles;
using Herd.Tests.Fixtures;

namespace Herd.Tests.Gateway.Access.Roles;

public sealed class RolesFileTests
{
    private const string Source = "test-roles.yaml";

    [Fact]
    public void Parse_FullFile_ReadsEverySetting()
    {
        var roles = RolesFile.Parse(
            """
            roles:
              admin:
                allow_methods: ["*"]
              user:
                allow_models: ["llama-*", "herd-tiny"]
                allow_experts: ["code", "qa-*"]
                allow_node_groups: ["cpu", "gpu-*"]
                allow_methods: ["herd.v1.Completions/*", "/herd.v1.Catalog/ListModels"]
                allow_prompts: ["support/*"]
                max_priority: 50
                limits:
                  - { requests: 20, per: 1h }
                  - { requests: 100, per: 1d }
                  - tokens: 6000
                    per: 90s
                budget: 10.50
            """,
            Source);

        Assert.Equal(["admin", "user"], roles.Select(role => role.Name));
        var user = roles[1];
        Assert.Equal(["llama-*", "herd-tiny"], user.Models.Patterns);
        Assert.Equal(["code", "qa-*"], user.Experts.Patterns);
        Assert.True(roles[0].Experts.MatchesEveryName, "allow_experts defaults to every adapter and expert");
        Assert.Equal(["cpu", "gpu-*"], user.NodeGroups.Patterns);
        Assert.Equal(["herd.v1.Completions/*", "herd.v1.Catalog/ListModels"], user.Methods.Patterns);
        Assert.Equal(["support/*"], user.Prompts.Patterns);
        Assert.Equal(50, user.MaxPriority);
        Assert.Equal(
            [
                new LimitRule(LimitKind.Requests, 20, TimeSpan.FromHours(1)),
                new LimitRule(LimitKind.Requests, 100, TimeSpan.FromDays(1)),
                new LimitRule(LimitKind.Tokens, 6000, TimeSpan.FromSeconds(90)),
            ],
            user.Limits);
        Assert.Equal(10.50m, user.Budget);
    }

    [Fact]
    public void Parse_AllowTabs_ReadsTheTabPatterns_AndNoneWhenOmitted()
    {
        var roles = RolesFile.Parse(
            """
            roles:
              admin:
                allow_tabs: ["*"]
              user:
                allow_tabs: ["history", "nodes", "prompt*"]
              robot:
                allow_methods: ["herd.v1.Completions/*"]
            """,
            Source);

        Assert.True(roles[0].AllowsTab("keys"));
        Assert.Equal(["history", "nodes", "prompt*"], roles[1].Tabs.Patterns);
        Assert.True(roles[1].AllowsTab("prompt-lab"));
        Assert.False(roles[1].AllowsTab("keys"));
        Assert.Empty(roles[2].Tabs.Patterns);
        Assert.False(roles[2].AllowsTab("nodes"));
    }

    [Theory]
    [InlineData("roles:\n  guest: {}\n")]
    [InlineData("roles:\n  guest:\n")]
    public void Parse_OmittedSettings_AllowEveryModelGroupAndPromptButNoMethod(string yaml)
    {
        var role = Assert.Single(RolesFile.Parse(yaml, Source));

        Assert.Equal("guest", role.Name);
        Assert.True(role.AllowsModel("any-model"));
        Assert.True(role.AllowsNodeGroup("any-group"));
        Assert.True(role.AllowsPrompt("any_prompt", "prod"));
        Assert.False(role.AllowsMethod("/herd.v1.Completions/Complete"));
        Assert.Equal(100, role.MaxPriority);
        Assert.Empty(role.Limits);
        Assert.Null(role.Budget);
    }

    [Fact]
    public void Parse_EmptyLists_AllowNothing()
    {
        var role = Assert.Single(RolesFile.Parse("roles:\n  closed: { allow_models: [], allow_node_groups: [], allow_prompts: [], limits: [] }\n", Source));

        Assert.False(role.AllowsModel("herd-tiny"));
        Assert.False(role.AllowsNodeGroup("cpu"));
        Assert.False(role.AllowsPrompt("support", "prod"));
        Assert.Empty(role.Limits);
    }

    [Fact]
    public void Parse_ZeroBudget_IsABudgetOfNothing()
    {
        var role = Assert.Single(RolesFile.Parse("roles:\n  trial: { budget: 0 }\n", Source));

        Assert.Equal(0m, role.Budget);
    }

    public static TheoryData<string, string[]> Invalid() => new()
    {
        // Role names.
        { "roles:\n  Admin: {}\n", ["2:3", "role name 'Admin'"] },
        { "roles:\n  9lives: {}\n", ["role name '9lives'"] },
        { "roles:\n  \"a b\": {}\n", ["role name 'a b'"] },
        { $"roles:\n  {new string('a', 64)}: {{}}\n", [$"role name '{new string('a', 64)}'"] },
        { "roles:\n  admin: {}\n  admin: {}\n", ["3:3", "'admin' is written twice"] },
        { "roles:\n  user:\n    max_priority: 1\n    max_priority: 2\n", ["4:5", "'max_priority' is written twice"] },

        // The file and its roles map.
        { "", ["the file is empty", "'roles'"] },
        { "# nothing here\n", ["the file is empty"] },
        { "[admin]\n", ["1:1", "'roles' map", "not a list"] },
        { "rolez:\n  admin: {}\n", ["1:1", "unknown top-level key 'rolez'"] },
        { "rolez:\n  admin: {}\n", ["'roles' map is missing"] },
        { "roles:\n", ["'roles' must be a map with at least one role, not nothing"] },
        { "roles: {}\n", ["'roles' must be a map with at least one role, not a map"] },
        { "roles: [admin]\n", ["'roles' must be a map", "not a list"] },
        { "roles:\n  admin: {}\n---\nroles:\n  user: {}\n", ["2 YAML documents"] },
        { "roles:\n  admin: [\n", ["not valid YAML"] },

        // Keys of a role.
        { "roles:\n  user:\n    allow_model: [\"*\"]\n", ["3:5", "role 'user'", "unknown key 'allow_model'", "allow_models", "allow_tabs"] },
        { "roles:\n  user: admin\n", ["role 'user' must be a map", "'admin'"] },

        // Pattern lists.
        { "roles:\n  user:\n    allow_models: \"*\"\n", ["3:19", "role 'user': allow_models must be a list", "'*'"] },
        { "roles:\n  user:\n    allow_node_groups:\n", ["role 'user': allow_node_groups must be a list", "not nothing"] },
        { "roles:\n  user:\n    allow_node_groups: [\"Team A\"]\n", ["3:25", "role 'user': allow_node_groups", "'Team A' is not a node group pattern"] },
        { "roles:\n  user:\n    allow_prompts: [\"\"]\n", ["role 'user': allow_prompts", "non-empty", "''"] },
        { "roles:\n  user:\n    allow_methods: [\"herd.v1.Completions\"]\n", ["3:21", "role 'user': allow_methods", "'herd.v1.Completions' names no method", "'herd.v1.Completions/*'"] },
        { "roles:\n  user:\n    allow_tabs: [\"history\", \"quue\"]\n", ["3:29", "role 'user': allow_tabs", "'quue' names no tab", "prompts, prompt-details, prompt-lab, history, nodes, queue, keys"] },
        { "roles:\n  user:\n    allow_tabs: [\"x*\"]\n", ["3:18", "role 'user': allow_tabs", "'x*' names no tab"] },
        { "roles:\n  user:\n    allow_tabs: history\n", ["3:17", "role 'user': allow_tabs must be a list", "'history'"] },
        { "roles:\n  user:\n    allow_methods: [\"/\"]\n", ["role 'user': allow_methods", "non-empty"] },
        { "roles:\n  user:\n    allow_methods: [[\"*\"]]\n", ["role 'user': allow_methods", "not a list"] },

        // max_priority and budget.
        { "roles:\n  user:\n    max_priority: 101\n", ["3:19", "role 'user': max_priority", "0 to 100", "'101'"] },
        { "roles:\n  user:\n    max_priority: -1\n", ["role 'user': max_priority", "'-1'"] },
        { "roles:\n  user:\n    max_priority: high\n", ["role 'user': max_priority", "'high'"] },
        { "roles:\n  user:\n    max_priority: 5.5\n", ["role 'user': max_priority", "'5.5'"] },
        { "roles:\n  user:\n    budget: -0.01\n", ["3:13", "role 'user': budget", "0 or more", "'-0.01'"] },
        { "roles:\n  user:\n    budget: ten\n", ["role 'user': budget", "'ten'"] },
        { "roles:\n  user:\n    budget: 1e3\n", ["role 'user': budget", "'1e3'"] },

        // Limits.
        { "roles:\n  user:\n    limits: { requests: 1, per: 1h }\n", ["role 'user': limits must be a list", "a map"] },
        { "roles:\n  user:\n    limits: [20]\n", ["role 'user': limits", "each limit must be a map", "'20'"] },
        { "roles:\n  user:\n    limits: [{ per: 1h }]\n", ["3:14", "role 'user': limits", "exactly one of requests or tokens", "neither"] },
        { "roles:\n  user:\n    limits: [{ requests: 1, tokens: 1, per: 1h }]\n", ["role 'user': limits", "exactly one of requests or tokens", "both"] },
        { "roles:\n  user:\n    limits: [{ requests: 1 }]\n", ["role 'user': limits", "needs per"] },
        { "roles:\n  user:\n    limits: [{ requests: 0, per: 1h }]\n", ["3:26", "role 'user': limits: requests", "above 0", "'0'"] },
        { "roles:\n  user:\n    limits: [{ tokens: -5, per: 1h }]\n", ["role 'user': limits: tokens", "above 0", "'-5'"] },
        { "roles:\n  user:\n    limits: [{ tokens: lots, per: 1h }]\n", ["role 'user': limits: tokens", "'lots'"] },
        { "roles:\n  user:\n    limits: [{ requests: 1, per: 1 hour }]\n", ["role 'user': limits: per", "s, m, h or d", "'1 hour'"] },
        { "roles:\n  user:\n    limits: [{ requests: 1, per: 1w }]\n", ["role 'user': limits: per", "'1w'"] },
        { "roles:\n  user:\n    limits: [{ requests: 1, per: 1.5h }]\n", ["role 'user': limits: per", "'1.5h'"] },
        { "roles:\n  user:\n    limits: [{ requests: 1, per: h }]\n", ["role 'user': limits: per", "'h'"] },
        { "roles:\n  user:\n    limits: [{ requests: 1, per: 99999999999999999d }]\n", ["role 'user': limits: per", "'99999999999999999d'"] },
        { "roles:\n  user:\n    limits: [{ requests: 1, per: 0s }]\n", ["role 'user': limits: per", "at least 1s", "'0s'"] },
        { "roles:\n  user:\n    limits: [{ requests: 1, per: 1h, burst: 5 }]\n", ["role 'user': limits", "unknown key 'burst'"] },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Parse_InvalidFile_FailsNamingTheProblem(string yaml, string[] expected)
    {
        var error = Assert.Throws<RolesFileException>(() => RolesFile.Parse(yaml, Source));

        Assert.Equal(Source, error.SourceName);
        Assert.NotEmpty(error.Errors);
        Assert.All(error.Errors, line => Assert.StartsWith(Source + ":", line, StringComparison.Ordinal));
        var reported = string.Join("\n", error.Errors);
        Assert.All(expected, part => Assert.Contains(part, reported, StringComparison.Ordinal));
        Assert.All(error.Errors, line => Assert.Contains(line, error.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_SeveralProblems_ReportsEachWithItsPlace()
    {
        var error = Assert.Throws<RolesFileException>(() => RolesFile.Parse(
            """
            roles:
              admin:
                allow_methods: ["*"]
                colour: blue
              user:
                max_priority: 500
                limits:
                  - { requests: 10, per: 1 week }
              Guest: {}
            """,
            Source));

        Assert.Collection(
            error.Errors,
            line => Assert.StartsWith($"{Source}:4:5: role 'admin': unknown key 'colour'", line, StringComparison.Ordinal),
            line => Assert.StartsWith($"{Source}:6:19: role 'user': max_priority", line, StringComparison.Ordinal),
            line => Assert.StartsWith($"{Source}:8:30: role 'user': limits: per", line, StringComparison.Ordinal),
            line => Assert.StartsWith($"{Source}:9:3: role name 'Guest'", line, StringComparison.Ordinal));
        Assert.Contains("4 errors", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFile_FailsNamingThePath()
    {
        var path = Path.Combine(Path.GetTempPath(), $"herd-no-roles-{Guid.NewGuid():N}.yaml");

        var error = Assert.Throws<RolesFileException>(() => RolesFile.Load(path));

        Assert.Equal($"{path}: the file does not exist", Assert.Single(error.Errors));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ShippedRolesFile_ParsesWithAdminAndUser()
    {
        var roles = RolesFile.Load(Path.Combine(HerdService.RepositoryRoot(), "Herd.Gateway", "roles.yaml"));

        var admin = Assert.Single(roles, role => role.Name == "admin");
        var user = Assert.Single(roles, role => role.Name == "user");
        Assert.True(admin.AllowsMethod("/herd.v1.Keys/Create"));
        Assert.True(user.AllowsMethod("/herd.v1.Completions/Complete"));
        Assert.True(user.AllowsMethod("/herd.v1.Catalog/ListModels"));
        Assert.True(user.AllowsMethod("/herd.v1.Account/GetUsage"));
        Assert.True(user.AllowsMethod("/herd.v1.History/ListMine"));
        Assert.True(user.AllowsMethod("/herd.v1.History/SubmitFeedback"));
        Assert.False(user.AllowsMethod("/herd.v1.Keys/Create"));
        Assert.False(user.AllowsMethod("/herd.v1.UsageReports/GetTotals"));
        Assert.Equal(50, user.MaxPriority);
        Assert.NotEmpty(user.Limits);
    }

    [Fact]
    public void Load_ShippedRolesFile_IsCopiedBesideTheGateway()
    {
        var roles = RolesFile.Load(Path.Combine(AppContext.BaseDirectory, "roles.yaml"));

        Assert.Contains(roles, role => role.Name == "admin");
    }
}
