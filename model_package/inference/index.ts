export * from './line_recognizer.js';
export * from './predictor.js';
export * from './segment_lines.js';
export * from './page_xml_writer.js';
