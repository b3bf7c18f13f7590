/**
 * @module web/console/queue/search.test
 * The queue's search normalisation: case, accents and compatibility forms fold; scripts whose
 * marks are part of the letter (Tibetan, Uyghur) keep them.
 */
import { describe, expect, it } from 'vitest'
import { matches, normaliseForSearch as n } from './search.ts'

describe('queue search text', () => {
  it('ignores case and Latin accents', () => {
    expect(matches(n('They waited outside the Café Ürümqi on Schönhauser Allee.'), n('cafe URUMQI'))).toBe(
      true,
    )
    expect(matches(n('ŞEHİR'), n('sehi'))).toBe(true)
    expect(matches(n('Лёша'), n('леша'))).toBe(true)
  })

  it('folds full-width and compatibility forms (NFKC)', () => {
    expect(matches(n('ＩＮＴＥＲＰＯＬ ｒｅｄ notice'), n('interpol red'))).toBe(true)
    expect(matches(n('ﬁle'), n('file'))).toBe(true)
  })

  it('finds Chinese, Uyghur and Tibetan words as typed, and not what is not there', () => {
    const zh = n('警察给我在乌鲁木齐的母亲打电话，问我的地址。')
    expect(matches(zh, n('乌鲁木齐'))).toBe(true)
    expect(matches(zh, n('北京'))).toBe(false)
    const ug = n('ساقچىلار ئانامغا تېلېفون قىلىپ ئادرېسىمنى سورىدى.')
    expect(matches(ug, n('ئانامغا'))).toBe(true)
    // Tibetan vowel signs are combining marks that belong to the syllable: kept, so "ཀི" ≠ "ཀུ".
    const bo = n('ཨ་མ་ལ་ཁ་པར་བཏང་སོང་། ཀི')
    expect(matches(bo, n('ཁ་པར'))).toBe(true)
    expect(matches(bo, n('ཀུ'))).toBe(false)
  })

  it('matches everything with an empty needle', () => {
    expect(matches('anything', '')).toBe(true)
  })
})
