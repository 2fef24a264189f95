import assert from 'node:assert/strict';
import { instantMs, instantOfValue, timeOfDayMs, timeOfValue } from '../../../src/ngsi/query/temporal';

describe('temporal (clause 4.6.3 values as the query languages compare them)', () => {
  it('reads dates and date-times as instants, zone-less ones as UTC', () => {
    assert.equal(instantMs('2024-03-01'), Date.UTC(2024, 2, 1));
    assert.equal(instantMs('2024-03-01T12:00:00Z'), Date.UTC(2024, 2, 1, 12));
    assert.equal(instantMs('2024-03-01T12:00:00'), Date.UTC(2024, 2, 1, 12));
    assert.equal(instantMs('2024-03-01T12:00:00.250-02:00'), Date.UTC(2024, 2, 1, 14, 0, 0, 250));
    assert.equal(instantMs('2024-03-01T12:00+0100'), Date.UTC(2024, 2, 1, 11));
  });

  it('refuses anything else as an instant', () => {
    for (const s of ['5', '2024', 'soon', '12:00:00Z', '2024-13-01', '2024-03-01T12']) assert.ok(Number.isNaN(instantMs(s)), s);
  });

  it('reads times as milliseconds since midnight UTC', () => {
    assert.equal(timeOfDayMs('00:00:00Z'), 0);
    assert.equal(timeOfDayMs('12:30'), 45_000_000);
    assert.equal(timeOfDayMs('01:00:00.5+02:00'), 23 * 3_600_000 + 500);
    for (const s of ['24:00:00', '12:60', 'noon', '2024-03-01']) assert.ok(Number.isNaN(timeOfDayMs(s)), s);
  });

  it('reads the JSON-LD typed form of values', () => {
    assert.equal(instantOfValue({ '@type': 'DateTime', '@value': '2024-03-01T00:00:00Z' }), Date.UTC(2024, 2, 1));
    assert.equal(timeOfValue({ '@type': 'Time', '@value': '00:00:01Z' }), 1000);
    assert.ok(Number.isNaN(instantOfValue({ value: '2024-03-01' })));
    assert.ok(Number.isNaN(instantOfValue(20)));
    assert.ok(Number.isNaN(timeOfValue(null)));
  });
});
