import { describe, expect, it } from 'vitest'
import { parseIceServerLinks } from './link'

describe('parseIceServerLinks', () => {
  it('parse_Rfc9725Example_StunAndTurnWithCredentials', () => {
    const header = '<stun:stun.example.net>; rel="ice-server", <turn:turn.example.net?transport=udp>; rel="ice-server"; username="user"; credential="myPassword"; credential-type="password"'
    expect(parseIceServerLinks(header)).toEqual([
      { urls: 'stun:stun.example.net' },
      { urls: 'turn:turn.example.net?transport=udp', username: 'user', credential: 'myPassword' },
    ])
  })

  it('parse_OtherRelsAndSchemes_Skipped', () => {
    expect(parseIceServerLinks('<https://x.test/a>; rel="ice-server", <turn:t.test>; rel="next"')).toEqual([])
  })

  it('parse_QuotedCommaInCredential_KeptWhole', () => {
    expect(parseIceServerLinks('<turn:t.test>; rel="ice-server"; username="a,b"; credential="p\\"q"')).toEqual([
      { urls: 'turn:t.test', username: 'a,b', credential: 'p"q' },
    ])
  })

  it('parse_RandomInput_NeverThrows', () => {
    let seed = 7
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff
    const alphabet = '<>;,="\\ turn:stun:rel=ice-server username credential abc'
    for (let i = 0; i < 2000; i++) {
      let s = ''
      const len = Math.floor(rnd() * 80)
      for (let j = 0; j < len; j++) s += alphabet[Math.floor(rnd() * alphabet.length)]
      expect(() => parseIceServerLinks(s)).not.toThrow()
    }
  })
})
