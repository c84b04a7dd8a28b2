/** A run as the canvas plots see it. */
export interface PlotRun {
  id: string;
  name: string;
  color: string;
}
