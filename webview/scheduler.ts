// Coalesces view updates into animation frames: many messages between two
// frames cost one redraw, and work that does not fit a frame's budget continues
// in the next one instead of making a long frame.

/** A unit of drawing work; returns true when it has more to do next frame. */
export type FrameTask = (deadline: number) => boolean;

/** Milliseconds of drawing per frame before yielding to the browser. */
export const FRAME_BUDGET_MS = 8;

export class FrameScheduler {
  private readonly tasks = new Set<FrameTask>();
  private requested = false;

  schedule(task: FrameTask): void {
    this.tasks.add(task);
    if (!this.requested) {
      this.requested = true;
      requestAnimationFrame(() => this.run());
    }
  }

  private run(): void {
    this.requested = false;
    const deadline = performance.now() + FRAME_BUDGET_MS;
    const tasks = [...this.tasks];
    this.tasks.clear();
    for (const task of tasks) if (task(deadline)) this.schedule(task);
  }
}
