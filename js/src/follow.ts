/**
 * Which part of the tree pane to show: the newest node as it arrives, unless
 * the reader has scrolled away from it, and the selected node when it is
 * chosen.
 *
 * Pure functions on points and rectangles in the pane's scrolled content, in
 * pixels, so they are tested without a browser.
 */

export interface Point {
	x: number;
	y: number;
}

/** The part of the pane's content that is visible: its scroll box. */
export interface Viewport {
	left: number;
	top: number;
	width: number;
	height: number;
}

/** Room kept around a node brought into view, for its labels. */
export const FOLLOW_MARGIN = 40;

/** Whether `point` lies inside `viewport`. */
export function isInView(point: Point, viewport: Viewport): boolean {
	return (
		point.x >= viewport.left &&
		point.x <= viewport.left + viewport.width &&
		point.y >= viewport.top &&
		point.y <= viewport.top + viewport.height
	);
}

/**
 * Whether to scroll to a node that has just arrived.
 *
 * `previousNewest` is where the newest node was before it came (undefined on
 * the first drawing). While that node is in view the reader is following the
 * run, and the pane moves on with it; once they scroll it out of view, their
 * scroll is left alone until they scroll back to it.
 */
export function shouldFollow(
	previousNewest: Point | undefined,
	viewport: Viewport,
): boolean {
	return previousNewest === undefined || isInView(previousNewest, viewport);
}

/**
 * The scroll offsets that bring `point` into view with `margin` around it,
 * moving as little as possible; a pane narrower than twice the margin
 * centres it instead.
 */
export function scrollToShow(
	point: Point,
	viewport: Viewport,
	margin = FOLLOW_MARGIN,
): { left: number; top: number } {
	return {
		left: axisOffset(point.x, viewport.left, viewport.width, margin),
		top: axisOffset(point.y, viewport.top, viewport.height, margin),
	};
}

function axisOffset(
	at: number,
	start: number,
	size: number,
	margin: number,
): number {
	if (size <= 2 * margin) {
		return Math.max(0, at - size / 2);
	}
	if (at - margin < start) {
		return Math.max(0, at - margin);
	}
	if (at + margin > start + size) {
		return at + margin - size;
	}
	return start;
}
