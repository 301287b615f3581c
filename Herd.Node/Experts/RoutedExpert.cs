namespace Herd.Node.Experts;

/// <summary>An expert a prompt was routed to: its distance to the prompt and its weight in the blend.</summary>
public sealed record RoutedExpert(Expert Expert, double Distance, double Weight);
