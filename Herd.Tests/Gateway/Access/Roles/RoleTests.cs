using Herd.Gateway.Access.Roles;

namespace Herd.Tests.Gateway.Access.Roles;

public sealed class RoleTests
{
    public static TheoryData<string, string, bool> ModelPatterns() => new()
    {
        { "*", "herd-tiny", true },
        { "*", "", true },
        { "herd-tiny", "herd-tiny", true },
        { "herd-tiny", "herd-tiny-2", false },
        { "herd-tiny", "Herd-Tiny", false },
        { "llama-*", "llama-3.1-8b", true },
        { "llama-*", "llama-", true },
        { "llama-*", "codellama-7b", false },
        { "*-instruct", "qwen-7b-instruct", true },
        { "*-instruct", "qwen-7b-instruct-v2", false },
        { "llama-*-instruct", "llama-3-8b-instruct", true },
        { "llama-*-instruct", "llama-instruct", false },
        { "a*b*c", "abc", true },
        { "a*b*c", "axxbyyc", true },
        { "a*b*c", "acb", false },
        { "a*a", "a", false },
        { "org/*", "org/team/model", true },
        { "m?del", "model", false },
        { "m?del", "m?del", true },
    };

    [Theory]
    [MemberData(nameof(ModelPatterns))]
    public void AllowsModel_Pattern_MatchesTheWholeNameWithStarAsAnyCharacters(string pattern, string model, bool allowed)
    {
        var role = new Role("user") { Models = new NamePatterns([pattern]) };

        Assert.Equal(allowed, role.AllowsModel(model));
    }

    public static TheoryData<string, string, bool> MethodPatterns() => new()
    {
        { "*", "/herd.v1.Keys/Create", true },
        { "herd.v1.Completions/*", "/herd.v1.Completions/Complete", true },
        { "herd.v1.Completions/*", "herd.v1.Completions/Chat", true },
        { "herd.v1.Completions/*", "/herd.v1.CompletionsAdmin/Complete", false },
        { "herd.v1.Completions/*", "/herd.v1.Catalog/ListModels", false },
        { "herd.v1.Catalog/ListModels", "/herd.v1.Catalog/ListModels", true },
        { "herd.v1.Catalog/ListModels", "/herd.v1.Catalog/ListNodes", false },
        { "/herd.v1.Catalog/ListModels", "/herd.v1.Catalog/ListModels", true },
        { "herd.v1.*", "/herd.v1.Keys/Create", true },
        { "herd.v1.*", "/grpc.health.v1.Health/Check", false },
    };

    [Theory]
    [MemberData(nameof(MethodPatterns))]
    public void AllowsMethod_PatternFromTheFile_MatchesGrpcFullMethodNames(string written, string method, bool allowed)
    {
        var role = Assert.Single(RolesFile.Parse($"roles:\n  user:\n    allow_methods: [\"{written}\"]\n", "roles.yaml"));

        Assert.Equal(allowed, role.AllowsMethod(method));
    }

    [Fact]
    public void Allows_SeveralPatterns_AllowAnyNameOneOfThemMatches()
    {
        var role = Assert.Single(RolesFile.Parse(
            "roles:\n  user: { allow_node_groups: [cpu, \"gpu-*\"], allow_prompts: [support, \"sales_*@prod\"] }\n",
            "roles.yaml"));

        Assert.Equal(
            [true, true, false, true, true, false],
            [
                role.AllowsNodeGroup("cpu"), role.AllowsNodeGroup("gpu-a100"), role.AllowsNodeGroup("tpu"),
                role.AllowsPrompt("support", "dev"), role.AllowsPrompt("sales_emails", "prod"), role.AllowsPrompt("sales_emails", "dev"),
            ]);
    }

    [Fact]
    public void AllowsMethod_NoPatterns_AllowsNothing()
    {
        var role = new Role("guest");

        Assert.False(role.AllowsMethod("/herd.v1.Catalog/ListModels"));
    }
}
