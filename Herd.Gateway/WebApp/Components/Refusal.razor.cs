using Microsoft.AspNetCore.Components;

namespace Herd.Gateway.WebApp.Components;

/// <summary>Shows why the signed-in key may not do something, or nothing.</summary>
public sealed partial class Refusal
{
    /// <summary>Why not; nothing is shown when null.</summary>
    [Parameter]
    public string? Message { get; set; }
}
