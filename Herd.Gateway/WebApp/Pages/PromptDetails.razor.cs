using Herd.Contracts.V1;
using Herd.Gateway.Prompts.Repository;
using Herd.Gateway.WebApp.Components;
using Herd.Gateway.WebApp.Data;
using Herd.Gateway.WebApp.Session;
using Herd.Gateway.WebApp.Tabs;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace Herd.Gateway.WebApp.Pages;

/// <summary>
/// Prompt details: one prompt's template, variables, target models and versions
/// (<c>Prompts/GetPrompt</c>), and how to call it with curl, Python's <c>openai</c> or grpcurl.
/// </summary>
public sealed partial class PromptDetails : LiveTab
{
    private IReadOnlyList<PromptVersion>? _choices;
    private IReadOnlyList<PromptVersion>? _versions;
    private PromptVersion? _shown;
    private string? _refusal;
    private (string? Id, string? Version)? _readFor;

    /// <summary>The prompt shown; none lists the prompts to choose from.</summary>
    [SupplyParameterFromQuery(Name = "id")]
    public string? Id { get; set; }

    /// <summary>The version shown; none shows the newest callable one.</summary>
    [SupplyParameterFromQuery(Name = "version")]
    public string? Version { get; set; }

    [Inject]
    private PromptRepository Repository { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Inject]
    private IConfiguration Configuration { get; set; } = default!;

    [Inject]
    private IJSRuntime Js { get; set; } = default!;

    protected override AppTab Tab => AppTabs.PromptDetails;

    /// <summary>Reads again when the address names another prompt or version; the first reading is the tab's own.</summary>
    protected override async Task OnParametersSetAsync()
    {
        if (_readFor is { } readFor && readFor != (Id, Version))
        {
            await ReadAsync();
        }
    }

    protected override async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var answer = await Session.CheckAsync(Id is null ? ApiMethods.ListPrompts : ApiMethods.GetPrompt, cancellationToken);
        _refusal = answer.Refusal;
        (_choices, _versions, _shown) = (null, null, null);
        _readFor = (Id, Version);
        if (!answer.IsAllowed)
        {
            return;
        }

        var visibility = PromptVisibility.Of(answer.Caller.Role);
        if (Id is null)
        {
            _choices = await Repository.ListAsync(visibility, string.Empty, string.Empty, cancellationToken);
            return;
        }

        _versions = await Repository.GetAsync(Id, visibility, cancellationToken);
        _shown = string.IsNullOrEmpty(Version)
            ? _versions.FirstOrDefault(version => version.RetiredAt is null) ?? (_versions.Count > 0 ? _versions[0] : null)
            : _versions.FirstOrDefault(version => version.Definition.Version == Version);
        if (_shown is null)
        {
            _refusal = string.IsNullOrEmpty(Version)
                ? $"There is no prompt '{Id}' that your role may see."
                : $"Prompt '{Id}' has no version '{Version}' that your role may see.";
        }
    }

    private IEnumerable<(string Name, string Text)> Examples(PromptVersion prompt)
    {
        var grpc = Configuration["Kestrel:Endpoints:Grpc:Url"] is { } url && Uri.TryCreate(url.Replace("*", "localhost", StringComparison.Ordinal), UriKind.Absolute, out var address)
            ? $"{new Uri(Navigation.BaseUri).Host}:{address.Port}"
            : $"{new Uri(Navigation.BaseUri).Host}:5200";
        var calls = new ExampleCalls(new Uri(Navigation.BaseUri).GetLeftPart(UriPartial.Authority) + "/", grpc);
        yield return ("curl", calls.Curl(prompt));
        yield return ("python", calls.Python(prompt));
        yield return ("grpcurl", calls.Grpcurl(prompt));
    }

    private async Task CopyAsync(string text) => await Js.InvokeVoidAsync("navigator.clipboard.writeText", text);

    private static readonly Google.Protobuf.JsonFormatter SamplingFormatter = new(Google.Protobuf.JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true));

    private static string Sampling(PromptDefinition definition) =>
        definition.Sampling is { } sampling && !sampling.Equals(new SamplingParams()) ? SamplingFormatter.Format(sampling) : "the model's";

    private static string VersionRowClass(PromptVersion version) => $"version-{version.Definition.Version}";
}
