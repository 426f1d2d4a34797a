import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createSseParser } from './sse-parser.ts';

// The shape of vLLM's /v1/completions stream with stream_options.include_usage (vllm/entrypoints/openai/serving_completion.py).
const VLLM_STREAM =
  'data: {"id":"cmpl-1","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":" the","logprobs":null,"finish_reason":null,"stop_reason":null}],"usage":null}\n\n' +
  'data: {"id":"cmpl-1","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":" end","logprobs":null,"finish_reason":"length","stop_reason":null}],"usage":null}\n\n' +
  'data: {"id":"cmpl-1","object":"text_completion","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":4,"total_tokens":6,"completion_tokens":2}}\n\n' +
  'data: [DONE]\n\n';

describe('createSseParser', () => {
  it('returns the data of each event of a vLLM completions stream', () => {
    const events = createSseParser().push(VLLM_STREAM);
    expect(events).toHaveLength(4);
    expect(JSON.parse(events[0]).choices[0].text).toBe(' the');
    expect(JSON.parse(events[2]).usage.completion_tokens).toBe(2);
    expect(events[3]).toBe('[DONE]');
  });

  it('gives the same events however the text is cut into pieces', () => {
    const whole = createSseParser().push(VLLM_STREAM);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: VLLM_STREAM.length - 1 }), { maxLength: 20 }), (cuts) => {
        const parser = createSseParser();
        const bounds = [0, ...cuts.sort((a, b) => a - b), VLLM_STREAM.length];
        const events: string[] = [];
        for (let i = 0; i + 1 < bounds.length; i++) events.push(...parser.push(VLLM_STREAM.slice(bounds[i], bounds[i + 1])));
        events.push(...parser.finish());
        expect(events).toEqual(whole);
      }),
    );
  });

  it('accepts CRLF and CR line ends, comments, other fields and multi-line data', () => {
    const parser = createSseParser();
    const events = [
      ...parser.push(': keep-alive\r\n\r\nevent: message\r\nid: 7\r\ndata: a\r\ndata:b\r'),
      ...parser.push('\n\r\ndata: c\r\rdata: [DONE]\n\n'),
    ];
    expect(events).toEqual(['a\nb', 'c', '[DONE]']);
  });

  it('hands over an event cut off by the end of the stream when finished', () => {
    const parser = createSseParser();
    expect(parser.push('data: {"x":1}\n\ndata: {"x":2}')).toEqual(['{"x":1}']);
    expect(parser.finish()).toEqual(['{"x":2}']);
  });
});
