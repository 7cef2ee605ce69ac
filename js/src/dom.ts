/** Small helpers for building the widget's DOM without a framework. */

const SVG_NS = "http://www.w3.org/2000/svg";

type Attributes = Record<string, string | number | boolean | null | undefined>;

/** An HTML element with attributes (null or false leaves one out) and text. */
export function html<K extends keyof HTMLElementTagNameMap>(
	tag: K,
	attributes: Attributes = {},
	text?: string,
): HTMLElementTagNameMap[K] {
	const element = document.createElement(tag);
	setAttributes(element, attributes);
	if (text !== undefined) {
		element.textContent = text;
	}
	return element;
}

/** An SVG element with attributes and text. */
export function svg<K extends keyof SVGElementTagNameMap>(
	tag: K,
	attributes: Attributes = {},
	text?: string,
): SVGElementTagNameMap[K] {
	const element = document.createElementNS(SVG_NS, tag);
	setAttributes(element, attributes);
	if (text !== undefined) {
		element.textContent = text;
	}
	return element;
}

function setAttributes(element: Element, attributes: Attributes): void {
	for (const [name, value] of Object.entries(attributes)) {
		if (value === null || value === undefined || value === false) {
			continue;
		}
		element.setAttribute(name, value === true ? "" : String(value));
	}
}

/** The text of an error of any kind, for showing in the widget. */
export function errorText(error: unknown): string {
	if (error instanceof Error) {
		return error.message;
	}
	return String(error);
}
